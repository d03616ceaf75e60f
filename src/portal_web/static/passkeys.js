// Passkeys: hands the server's WebAuthn options to the browser (navigator.credentials), then sends the
// authenticator's answer back in an ordinary form post, with the form's CSRF token. Nothing runs inline.
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (ch) { return ch.charCodeAt(0); });
  }

  function toText(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBytes(item.id) }); });
  }

  function answer(credential) {
    var r = credential.response;
    var out = { id: credential.id, rawId: toText(credential.rawId), type: credential.type,
                authenticatorAttachment: credential.authenticatorAttachment || null,
                clientExtensionResults: credential.getClientExtensionResults(),
                response: { clientDataJSON: toText(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      out.response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return JSON.stringify(out);
  }

  function creationOptions(form) {
    var options = JSON.parse(form.dataset.options);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = withIds(options.excludeCredentials);
    return Promise.resolve({ publicKey: options });
  }

  function requestOptions(form) {
    return fetch(form.dataset.optionsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("no options"); }
        return response.json();
      })
      .then(function (options) {
        options.challenge = toBytes(options.challenge);
        options.allowCredentials = withIds(options.allowCredentials);
        return { publicKey: options };
      });
  }

  function wire(form, options, ceremony) {
    var problem = document.getElementById(form.dataset.problem);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (problem) { problem.hidden = true; }
      if (!window.PublicKeyCredential) {
        if (problem) { problem.hidden = false; }
        return;
      }
      options(form)
        .then(ceremony)
        .then(function (credential) {
          form.elements.credential.value = answer(credential);
          form.submit();  // does not fire "submit" again
        })
        .catch(function () {
          if (problem) { problem.hidden = false; problem.focus(); }
        });
    });
  }

  document.querySelectorAll("form[data-passkey-create]").forEach(function (form) {
    wire(form, creationOptions, function (o) { return navigator.credentials.create(o); });
  });
  document.querySelectorAll("form[data-passkey-get]").forEach(function (form) {
    wire(form, requestOptions, function (o) { return navigator.credentials.get(o); });
  });
})();
