"""Admission: an enterprise applies (with its licence), staff screen the three dimensions and
approve or reject, the applicant sees the outcome and why."""

from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_user
from notifications.models import Message
from partners import services
from partners.credit_code import check_character
from partners.models import Agreement, Application, Partner
from programs.models import Organiser
from spaces.models import Compound

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100


def credit_code(serial: str = "0000000001") -> str:
    first17 = "9144060" + serial
    return first17 + check_character(first17)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PARTNER_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def compound(db):
    return Compound.objects.create(name="绿地香颂公馆")


@pytest.fixture
def agency(db):
    return make_user("qsg")


@pytest.fixture
def decider(db):
    """A staff member who may screen applications, without being a superuser."""
    user = make_user("screener", email="screener@example.com")
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="partners",
            codename__in=["view_application", "change_application"],
        )
    )
    return user


def form_data(compound=None, **changes):
    data = {
        "company_name": "青少宫培训机构",
        "credit_code": credit_code(),
        "legal_representative": "李明",
        "contact_name": "陈老师",
        "contact_phone": "138 0013 8000",
        "compound": getattr(compound, "pk", compound or ""),
        "business_scope": "文化艺术培训",
        "social_responsibility": "多年为社区长者开设免费书法课",
        "welfare_commitment": "每月两场免费少儿书法课",
        "welfare_per_month": "2",
        "proposed_classes": "少儿书法 每节 80 元\n编程启蒙 每节 120 元",
        "wanted_rooms": "书画室，周六上午",
    }
    data.update(changes)
    return data


def licence(content=PDF, name="执照.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def apply(client, user, *, file=None, language=None, **changes):
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    data = form_data(**changes)
    data["licence"] = file if file is not None else licence()
    return client.post(reverse("partner_apply"), data)


def submitted(user, compound=None, **changes) -> Application:
    data = form_data(compound, **changes)
    data["applicant"] = user
    data.pop("compound")
    data["contact_phone"] = "13800138000"
    data["licence"] = licence()
    return services.application_submit(
        applicant=user, application=Application(compound=compound, **data), language="zh-hans"
    )


def screened(application, by, verdict=True) -> Application:
    return services.application_screen(
        application=application,
        by=by,
        qualification_passed=verdict,
        qualification_notes="执照有效",
        responsibility_passed=verdict,
        responsibility_notes="有公益记录",
        commitment_passed=verdict,
        commitment_notes="每月两场",
    )


# --- the form ---


def test_an_anonymous_visitor_is_sent_to_sign_in_and_comes_back(client):
    response = client.get(reverse("partner_apply"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/partners/apply/" in response["Location"]


def test_an_agency_applies_with_a_pdf_licence_and_staff_hear_of_it(
    client, agency, decider, compound
):
    code = credit_code().lower()
    spaced = f"{code[:4]} {code[4:8]} {code[8:12]} {code[12:]}"
    response = apply(client, agency, compound=compound, credit_code=spaced)
    assert response.status_code == 302
    assert response["Location"] == reverse("partner_application")
    application = Application.objects.get()
    assert application.applicant == agency
    assert application.credit_code == credit_code()  # capitals, as on the licence
    assert application.contact_phone == "13800138000"
    assert application.status == Application.Status.SUBMITTED
    mail = Message.objects.get(address="screener@example.com")
    assert "青少宫培训机构" in mail.subject
    assert f"/admin/partners/application/{application.pk}/change/" in mail.body


def test_the_stored_licence_has_a_random_name_inside_the_private_folder(
    client, agency, private_media
):
    apply(client, agency, file=licence(name="../../static/evil.pdf"))
    stored = Application.objects.get().licence
    assert "evil" not in stored.name and stored.name.endswith(".pdf")
    path = Path(stored.path).resolve()
    assert path.is_relative_to(Path(private_media).resolve())
    assert path.read_bytes() == PDF


@pytest.mark.parametrize(
    ("language", "required", "phone"),
    [
        ("zh-hans", "该字段是必填项。", "请填写手机号或带区号的固定电话"),
        ("en", "This field is required.", "Please enter a mobile number or a landline"),
    ],
)
def test_the_form_says_what_is_missing_in_the_applicants_language(
    client, agency, language, required, phone
):
    response = apply(client, agency, language=language, company_name="", contact_phone="12345")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["company_name"] == [required]
    assert phone in form.errors["contact_phone"][0]
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "统一社会信用代码的校验位不对"), ("en", "check character")],
)
def test_a_credit_code_with_a_wrong_check_character_is_refused_on_the_form(
    client, agency, language, message
):
    code = credit_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = apply(client, agency, language=language, credit_code=wrong)
    assert message in response.content.decode()
    assert Application.objects.count() == 0


def test_a_png_licence_is_accepted(client, agency):
    apply(client, agency, file=licence(PNG, "licence.png", "image/png"))
    assert Application.objects.get().licence.name.endswith(".png")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (licence(EXE, "执照.pdf", "application/pdf"), "营业执照只能是 PDF、JPG 或 PNG 文件"),
        (licence(b"", "empty.pdf"), "上传的文件是空的，请重新选择。"),
        (licence(b"just some text", "licence.png", "image/png"), "只能是 PDF、JPG 或 PNG"),
    ],
    ids=["renamed-exe", "empty", "text-named-png"],
)
def test_an_upload_that_is_not_a_document_is_refused(client, agency, upload, message):
    response = apply(client, agency, file=upload)
    assert message in response.content.decode()
    assert Application.objects.count() == 0


def test_an_oversized_licence_is_refused_with_the_limit(client, agency, settings):
    settings.PARTNER_UPLOAD_MAX_BYTES = 1024 * 1024
    big = licence(PDF + b"0" * (2 * 1024 * 1024))
    response = apply(client, agency, file=big)
    assert "文件太大（2 MB），最大 1 MB" in response.content.decode()
    assert Application.objects.count() == 0


def test_a_second_open_application_for_one_enterprise_is_told_on_the_form(client, agency, compound):
    submitted(agency)
    response = apply(client, agency)
    assert "这家企业已有一份待审核的申请。" in response.content.decode()
    assert Application.objects.count() == 1


def test_the_database_refusal_of_a_second_open_application_becomes_a_form_message(
    client, agency, monkeypatch
):
    # Two submissions at once: both pass the form's check, the constraint decides.
    submitted(agency)
    monkeypatch.setattr(Application, "validate_constraints", lambda self, exclude=None: None)
    response = apply(client, agency)
    assert response.status_code == 200
    assert "这家企业已有一份待审核的申请。" in response.content.decode()
    assert Application.objects.count() == 1


# --- the licence download ---


def test_the_licence_is_served_to_its_applicant_and_to_staff_only(client, agency, decider):
    application = submitted(agency)
    url = reverse("partner_application_licence", args=[application.pk])
    client.force_login(agency)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"]
    client.force_login(decider)
    assert client.get(url).status_code == 200


def test_anyone_else_gets_404_for_a_licence(client, agency):
    application = submitted(agency)
    url = reverse("partner_application_licence", args=[application.pk])
    client.force_login(make_user("neighbour"))
    assert client.get(url).status_code == 404
    staff_without_permission = make_user("clerk")
    staff_without_permission.is_staff = True
    staff_without_permission.save()
    client.force_login(staff_without_permission)
    assert client.get(url).status_code == 404
    client.force_login(agency)
    assert client.get(reverse("partner_application_licence", args=[99999])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


# --- screening and the decision ---


def test_approval_admits_the_enterprise_with_the_default_agreement_and_mails_it(
    agency, decider, compound
):
    application = screened(submitted(agency, compound), decider)
    partner = services.application_approve(application=application, by=decider, reason="欢迎")
    assert partner.name == "青少宫培训机构" and partner.credit_code == credit_code()
    assert partner.compound == compound and partner.contact_phone == "13800138000"
    organiser = partner.organiser
    assert organiser.kind == Organiser.Kind.PARTNER
    assert list(organiser.members.all()) == [agency]
    agreement = partner.agreements.get()
    assert agreement.status == Agreement.Status.ACTIVE
    assert str(agreement.price_cap) == "0.500" and str(agreement.fund_share) == "0.050"
    assert agreement.welfare_minimum == 2
    assert (agreement.valid_to - agreement.valid_from).days in (364, 365)
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.decided_by == decider and application.partner == partner
    mail = Message.objects.get(address=agency.email)
    assert "进驻申请已通过" in mail.subject and "/organiser/" in mail.body


def test_approving_twice_makes_one_partner(agency, decider):
    application = screened(submitted(agency), decider)
    first = services.application_approve(application=application, by=decider)
    second = services.application_approve(application=application.pk, by=decider)
    assert first == second
    assert Partner.objects.count() == 1
    assert Organiser.objects.filter(kind=Organiser.Kind.PARTNER).count() == 1
    assert Agreement.objects.count() == 1
    assert Message.objects.filter(address=agency.email).count() == 1


def test_approval_needs_all_three_dimensions_passed(agency, decider):
    application = submitted(agency)
    services.application_screen(
        application=application,
        by=decider,
        qualification_passed=True,
        responsibility_passed=False,
        commitment_passed=None,
    )
    with pytest.raises(services.ApplicationError) as refused:
        services.application_approve(application=application, by=decider)
    assert refused.value.code == "not_screened"
    assert "社会责任、公益承诺" in refused.value.message
    assert Partner.objects.count() == 0


def test_only_staff_who_may_change_applications_decide(agency):
    application = screened(submitted(agency), make_user("boss", staff=True))
    clerk = make_user("clerk")
    clerk.is_staff = True
    clerk.save()
    for person in (agency, clerk):
        with pytest.raises(services.ApplicationError) as refused:
            services.application_approve(application=application, by=person)
        assert refused.value.code == "not_allowed"
        with pytest.raises(services.ApplicationError):
            services.application_reject(application=application, by=person, reason="不行")
    assert Partner.objects.count() == 0


def test_a_rejection_needs_a_reason_and_the_applicant_reads_it(client, agency, decider):
    application = screened(submitted(agency), decider, verdict=False)
    with pytest.raises(services.ApplicationError) as refused:
        services.application_reject(application=application, by=decider, reason="  ")
    assert refused.value.code == "reason_required"
    services.application_reject(
        application=application, by=decider, reason="营业执照已过期，请换新后再申请。"
    )
    mail = Message.objects.get(address=agency.email)
    assert "未通过" in mail.subject and "营业执照已过期" in mail.body
    client.force_login(agency)
    page = client.get(reverse("partner_application")).content.decode()
    assert "未通过" in page and "营业执照已过期，请换新后再申请。" in page
    with pytest.raises(services.ApplicationError) as refused:
        services.application_approve(application=application, by=decider)
    assert refused.value.code == "already_rejected"


def test_the_rejection_mail_is_in_the_language_the_agency_applied_in(agency, decider):
    application = submitted(agency)
    Application.objects.filter(pk=application.pk).update(language="en")
    services.application_reject(application=application, by=decider, reason="Licence expired")
    mail = Message.objects.get(address=agency.email)
    assert mail.subject.startswith("Application not approved")
    assert "Licence expired" in mail.body


def test_the_applicant_sees_approved_and_the_way_to_the_organiser_area(client, agency, decider):
    application = screened(submitted(agency), decider)
    client.force_login(agency)
    page = client.get(reverse("partner_application")).content.decode()
    assert "待审核" in page
    services.application_approve(application=application, by=decider)
    page = client.get(reverse("partner_application")).content.decode()
    assert "已通过" in page and reverse("organiser_dashboard") in page
    assert client.get(reverse("organiser_dashboard")).status_code == 200


# --- the admin screen ---


def test_staff_screen_and_approve_in_the_admin(client, agency, decider):
    application = submitted(agency)
    client.force_login(decider)
    url = reverse("admin:partners_application_change", args=[application.pk])
    page = client.get(url).content.decode()
    assert "三维筛选" in page and "批准进驻" in page
    screening = {
        "qualification_passed": "True",
        "qualification_notes": "执照有效",
        "responsibility_passed": "True",
        "responsibility_notes": "",
        "commitment_passed": "",
        "commitment_notes": "",
        "decision_reason": "",
    }
    response = client.post(url, {**screening, "_approve": "1"}, follow=True)
    assert "三维筛选都通过后才能批准：公益承诺 还没有通过。" in response.content.decode()
    application.refresh_from_db()
    assert application.qualification_passed is True and application.commitment_passed is None
    response = client.post(url, {**screening, "commitment_passed": "True", "_approve": "1"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert Partner.objects.count() == 1
    trail = LogEntry.objects.filter(object_id=str(application.pk)).order_by("pk")
    assert trail.last().change_message == "approved" and trail.last().user == decider
    page = client.get(url).content.decode()
    assert "批准进驻" not in page and "结果不能再修改" in page  # decided: read-only


def test_the_admin_list_of_applications_takes_few_queries(
    client, decider, django_assert_max_num_queries
):
    for number in range(8):
        submitted(make_user(f"agency{number}"), credit_code=credit_code(f"00000000{number:02d}"))
    client.force_login(decider)
    with django_assert_max_num_queries(9):  # 7 measured
        page = client.get(reverse("admin:partners_application_changelist")).content.decode()
    assert page.count("青少宫培训机构") == 8


def test_staff_reject_in_the_admin_with_the_reason_written_there(client, agency, decider):
    application = submitted(agency)
    client.force_login(decider)
    url = reverse("admin:partners_application_change", args=[application.pk])
    blank = {"qualification_passed": "False", "decision_reason": ""}
    response = client.post(url, {**blank, "_reject": "1"}, follow=True)
    assert "请填写驳回原因" in response.content.decode()
    client.post(url, {**blank, "decision_reason": "资质不符", "_reject": "1"})
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert application.decision_reason == "资质不符"


# --- bad input ---


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"company_name": "青少宫\n培训"}, "company_name", "只能填写一行"),
        ({"welfare_per_month": "99999999999999999999"}, "welfare_per_month", "100"),
        ({"welfare_per_month": "-1"}, "welfare_per_month", "0"),
        ({"compound": "99999"}, "compound", "选择一个有效的选项"),
        ({"credit_code": "9144060600000000"}, "credit_code", "应为 18 位，现在是 16 位"),
    ],
    ids=["line-break", "huge-number", "negative", "forged-compound", "short-code"],
)
def test_bad_input_on_the_form_gets_a_message_not_an_error_page(
    client, agency, changes, field, message
):
    response = apply(client, agency, **changes)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert Application.objects.count() == 0


def test_a_nul_byte_in_the_form_is_refused_with_a_message(client, agency):
    response = apply(client, agency, company_name="青少宫\x00培训")
    assert response.status_code == 400
    assert "空字符" in response.content.decode()
    assert Application.objects.count() == 0


def test_a_huge_or_forged_licence_id_is_404(client, agency):
    client.force_login(agency)
    assert client.get("/partners/application/99999999999999999999999/licence/").status_code == 404


def test_the_reason_drafted_while_screening_is_kept_and_shown_only_once_decided(
    client, agency, decider
):
    application = submitted(agency)
    services.application_screen(
        application=application,
        by=decider,
        qualification_passed=False,
        responsibility_passed=None,
        commitment_passed=None,
        decision_reason="执照已过期",
    )
    client.force_login(agency)
    assert "执照已过期" not in client.get(reverse("partner_application")).content.decode()
    application.refresh_from_db()
    services.application_reject(
        application=application, by=decider, reason=application.decision_reason
    )
    assert "执照已过期" in client.get(reverse("partner_application")).content.decode()


def test_the_form_still_needs_its_csrf_token(agency):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = apply(client, agency)
    assert response.status_code == 403
    assert Application.objects.count() == 0


def test_an_oversized_licence_never_reaches_the_disk_whole(client, agency, settings, monkeypatch):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.PARTNER_UPLOAD_MAX_BYTES = 1024 * 1024
    written = []
    write = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        written.append(len(raw_data))
        return write(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    response = apply(client, agency, file=licence(PDF + b"0" * (8 * 1024 * 1024)))
    assert "文件太大（8 MB），最大 1 MB" in response.content.decode()
    assert 0 < sum(written) <= 1024 * 1024


def test_my_applications_page_takes_few_queries(client, agency, django_assert_max_num_queries):
    for number in range(5):
        submitted(agency, credit_code=credit_code(f"00000000{number:02d}"))
    client.force_login(agency)
    with django_assert_max_num_queries(6):  # 5 measured
        page = client.get(reverse("partner_application")).content.decode()
    assert page.count("admission-card") == 5


def test_the_form_explains_where_to_find_the_credit_code(client, agency):
    client.force_login(agency)
    page = client.get(reverse("partner_apply")).content.decode()
    assert "18 位数字和大写字母，印在营业执照上" in page and "不超过 5 MB" in page
