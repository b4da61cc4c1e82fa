from django.urls import reverse

from consilium.accounts.models import User


def test_it_switches_the_language_and_remembers_it_for_the_person(client_for, personas):
    client = client_for("clinician")
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
    assert "Vos établissements" in response.content.decode()
    assert User.objects.get(pk=personas["clinician"].pk).language == "fr"


def test_it_translates_the_base_page_into_russian(client, db):
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    page = client.get("/").content.decode()
    assert "Войти" in page
    assert "Время указано" in page


def test_it_refuses_an_unknown_language_code_and_changes_nothing(client_for, personas):
    client = client_for("clinician")
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"}, follow=True)
    # The clinician reads Vietnamese; the refusal comes in her language.
    assert "Ngôn ngữ này không có sẵn" in response.content.decode()
    assert User.objects.get(pk=personas["clinician"].pk).language == "vi"
    assert "django_language" not in response.cookies


def test_it_never_redirects_off_site(client, db):
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_a_page_drawn_after_a_post_switches_back_to_the_page_the_form_was_on(client_for, personas):
    """A form sent back with its errors sits at a post-only address: the switcher must not
    come back there (405), but to the page the form was posted from, if it is this site's."""
    import re

    client = client_for("clinician")
    response = client.post(
        reverse("registry:patient_new"), {}, HTTP_REFERER="http://testserver/registry/?q=an"
    )
    assert response.status_code == 200  # the empty form, sent back with its errors
    [value] = re.findall(r'name="next" value="([^"]*)"', response.content.decode())
    assert value == "/registry/?q=an"
    response = client.post(
        reverse("registry:patient_new"), {}, HTTP_REFERER="https://evil.example/x"
    )
    [value] = re.findall(r'name="next" value="([^"]*)"', response.content.decode())
    assert value == "/"
