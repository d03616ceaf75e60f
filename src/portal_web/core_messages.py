"""Sentences the core services raise that the pages translate when they show them (with the ``t`` filter).

The services speak English. A new message is written in the core as a message id with its values apart,
``InvalidInput("Please wait %(count)s second.", plural="Please wait %(count)s seconds.", count=wait)``, and its
Spanish goes at the end of ``messages.po``; ``tests/unit/test_core_messages.py`` finds every such message in
the core's sources and fails on one without a translation (or written as an f-string). Listing a fixed
sentence here as well, as was done before errors carried their message ids, does no harm.
"""

from __future__ import annotations

from portal_web.i18n import N_

CORE_MESSAGES = (
    N_("That time was just taken. Here are the next open times."),
    N_("Your held time has run out. Please choose a time again."),
    N_("No provider can be booked online for this visit right now."),
    N_("Please choose a provider."),
    N_("That provider does not offer every service in your visit; please choose another."),
    N_("Please confirm your mobile number with the code we texted you."),
    N_("Please give your first and last name."),
    N_("Please shorten your name to 100 characters or fewer."),
    N_("Please read and accept the cancellation and deposit policy."),
    N_("A card is needed to secure this visit."),
    N_("There is no booking with that reference."),
    N_("This phone check is unknown; please start again."),
    N_("Too many codes were sent to this number. Please start again later or call the clinic."),
    N_("Too many wrong codes. Please ask for a new code."),
    N_("This code has expired. Please ask for a new code."),
    N_("That code is not right. Please ask for a new code."),
    N_("That service is already in your visit."),
    N_("Choose at least one service."),
    N_("That day is outside the days the clinic books online."),
    N_("Your card was declined."),
    N_("Your card was declined (insufficient funds)."),
    N_("The payment service is not reachable right now; nothing was charged. Please try again."),
    # getting into the portal
    N_("This clinic's patient portal is closed. Please call the clinic."),
    N_("That email and password do not match an active account."),
    N_("This link has expired or was already used. Ask the clinic for a new invitation, or use “Forgot password”."),
    N_("This sign-in has expired. Please sign in again."),
    N_("This sign-in was already used. Please sign in again."),
    N_("Too many wrong codes. Please sign in again to get a new code."),
    N_("That code is not right. Please sign in again to get a new code."),
    N_("This sign-in uses your authenticator app; no code is sent by email."),
    N_("Your current password is not right."),
    N_("This password is on a list of common or leaked passwords; choose another."),
    N_("Don't build your password from your name, email or the clinic's name."),
    N_("Don't use the same character over and over; a few unrelated words make a strong password."),
    # texting booking codes and visits booked with a known email (issue 12)
    N_("We cannot send more codes right now. Please try again later or call the clinic."),
    N_("Please give a mobile number that can receive text messages."),
    N_("This link has expired or was already used. Please call the clinic if a visit is missing."),
)
