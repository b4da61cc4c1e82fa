"""Messages django-allauth shows our users, listed so that the project's catalogue carries them.

allauth ships no Vietnamese catalogue; Django merges every catalogue of the active language,
so these entries in consilium/locale/vi supply it (fr, ru and uz repeat allauth's own wording).
Nothing imports this module: `makemessages` reads it."""

from django.utils.translation import gettext_noop

ALLAUTH_MESSAGES = (
    gettext_noop("Successfully signed in as %(name)s."),
    gettext_noop("You have signed out."),
    gettext_noop("Password successfully changed."),
    gettext_noop("Password successfully set."),
    gettext_noop("Confirmation email sent to %(email)s."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("A sign-in code has been sent to %(recipient)s."),
    gettext_noop("Your primary email address must be verified."),
    gettext_noop("A new set of recovery codes has been generated."),
    gettext_noop("Authenticator app activated."),
    gettext_noop("Authenticator app deactivated."),
    gettext_noop("This account is currently inactive."),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Incorrect code."),
    gettext_noop("Incorrect password."),
    gettext_noop("Invalid or expired key."),
    gettext_noop("The password reset token was invalid."),
    gettext_noop("Please type your current password."),
    gettext_noop("Code"),
    gettext_noop("Authenticator code"),
)
