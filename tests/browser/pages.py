"""What every browser walk does: sign in as someone, and check that a page fits the phone."""


def sign_in(page, email: str, password: str) -> None:
    """Sign in from the form, as a person does; a previous person's session is dropped.
    Fields by name, not label: the form may be in the browser's language."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main button[type=submit]").click()


def fits(page, width: int = 390) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, scroll
