from django.urls import reverse

from consilium.network.models import ResourceProfile


def _form(**overrides):
    data = {
        "valid_from": "2025-01-15",
        "note": "",
        "mri": "limited",
        "mri__note": "2-week wait",
        "ct": "available",
    }
    data.update(overrides)
    return data


def test_it_saves_each_change_as_a_new_version(client_for, institutions):
    client = client_for("coordinator")
    url = reverse("network:resources_edit", args=["VNCH"])
    assert client.post(url, _form()).status_code == 302
    assert client.post(url, _form(mri="available", mri__note="")).status_code == 302
    versions = list(ResourceProfile.objects.filter(institution__code="VNCH").order_by("version"))
    assert [p.version for p in versions] == [1, 2]
    assert versions[0].items.get(resource="mri").availability == "limited"
    assert versions[1].items.get(resource="mri").availability == "available"


def test_it_wants_a_note_for_anything_limited(client_for, institutions):
    response = client_for("coordinator").post(
        reverse("network:resources_edit", args=["VNCH"]), _form(mri__note="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mri"] == ["Say in a note how it is limited."]
    assert not ResourceProfile.objects.exists()


def test_a_partner_expert_sees_the_resource_profile_and_its_history(client_for, institutions):
    url = reverse("network:resources_edit", args=["VNCH"])
    client_for("coordinator").post(url, _form())
    client_for("coordinator").post(url, _form(mri="available", mri__note=""))
    page = client_for("expert").get(reverse("network:institution", args=["VNCH"]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "IRM" in body  # Claire reads French
    assert "Update the resource profile" not in body
    assert "Mettre à jour" not in body
    old = client_for("expert").get(reverse("network:institution", args=["VNCH"]) + "?version=1")
    assert "2-week wait" in old.content.decode()
    assert (
        client_for("expert")
        .get(reverse("network:institution", args=["VNCH"]) + "?version=9")
        .status_code
        == 404
    )


def test_only_the_institutions_coordinators_may_edit_it(client_for, institutions):
    url = reverse("network:resources_edit", args=["VNCH"])
    for persona in ["clinician", "expert", "outsider"]:
        assert client_for(persona).post(url, _form()).status_code == 403
    assert not ResourceProfile.objects.exists()


def test_it_refuses_an_unknown_time_zone_for_an_institution(client_for, institutions):
    response = client_for("coordinator").post(
        reverse("network:institution_edit", args=["VNCH"]),
        {
            "name": "VNCH",
            "country": "VN",
            "city": "Hanoi",
            "time_zone": "Asia/Hanoi_Old",
            "kind": "childrens_hospital",
        },
    )
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    institutions["VNCH"].refresh_from_db()
    assert institutions["VNCH"].time_zone == "Asia/Ho_Chi_Minh"
    assert institutions["VNCH"].name == "Vietnam National Children's Hospital"
