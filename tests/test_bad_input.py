"""Bad input never reaches a 500: a NUL character anywhere in a request (PostgreSQL text can't
hold one, and psycopg raises on it in any query) is refused by one middleware, 404 for a
path and 400 for everything else, as a page for people and the API's error shape under /api/.
"""

import json

import pytest

NUL_MESSAGE = "请求中含有不允许的空字符（NUL），请删去后重试。"

pytestmark = pytest.mark.django_db


def assert_refused_page(response, status=400):
    assert response.status_code == status
    if status == 400:
        assert NUL_MESSAGE in response.content.decode()


def assert_refused_api(response, status=400, code="invalid"):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code


@pytest.mark.parametrize("path", ["/a/%00/", "/a/x%00y/"])
def test_a_nul_in_a_page_address_is_page_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_nul_in_the_organisers_check_in_address_is_page_not_found(client, officer, department):
    client.force_login(officer)
    response = client.get("/organiser/check-in/%00/")
    assert response.status_code == 404
    # The 404 page still knows who is signed in.
    assert "退出" in response.content.decode()


def test_a_nul_in_an_api_address_is_the_apis_not_found(client):
    assert_refused_api(client.get("/api/v1/activities/%00/"), status=404, code="not_found")


@pytest.mark.parametrize(
    "query", ["q=%00", "q=%E6%B2%A5%00", "%00=1", "week=2026-12-01%00", "compound=%00"]
)
def test_a_nul_in_a_query_string_is_a_bad_request(client, query):
    assert_refused_page(client.get(f"/activities/?{query}"))


def test_a_nul_in_an_admin_changelist_search_or_filter_is_a_bad_request(client, staff):
    client.force_login(staff)
    assert_refused_page(client.get("/admin/spaces/booking/?q=%00"))
    assert_refused_page(client.get("/admin/spaces/booking/?status__exact=%00"))
    assert_refused_page(client.get("/admin/programs/activity/?q=abc%00"))
    # The same searches without the NUL still work.
    assert client.get("/admin/spaces/booking/?q=abc").status_code == 200


def test_a_nul_in_a_posted_form_value_is_a_bad_request(client):
    body = "login=ahua%00&password=whatever"
    response = client.post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert_refused_page(response)


def test_a_nul_in_a_multipart_form_value_is_a_bad_request(client, resident):
    client.force_login(resident)
    assert_refused_page(client.post("/me/profile/", {"building": "3\x00栋"}))


def test_a_nul_in_an_api_query_string_is_the_apis_bad_request(client):
    response = client.get("/api/v1/activities/?search=%00")
    assert_refused_api(response)
    assert response.json()["detail"] == NUL_MESSAGE


def test_a_nul_escaped_in_a_json_body_is_refused_before_any_view_reads_it(client):
    # DRF's CharField refuses NUL too, but a view that reads a field another way must never
    # see one: the middleware answers first, with its own message.
    body = json.dumps({"username": "ahua\x00", "password": "whatever"})
    assert "\\u0000" in body
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert_refused_api(response)
    assert response.json()["detail"] == NUL_MESSAGE


def test_a_literal_backslash_u0000_in_json_text_is_not_mistaken_for_a_nul(client):
    body = json.dumps({"username": "ahua\\u0000", "password": "whatever"})
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert_refused_api(response, code="invalid_credentials")


def test_a_nul_in_an_api_form_body_sent_with_patch_is_the_apis_bad_request(client, resident):
    client.force_login(resident)
    response = client.patch(
        "/api/v1/bookings/1/", "purpose=%00", content_type="application/x-www-form-urlencoded"
    )
    assert_refused_api(response)


def test_a_nul_in_the_session_cookie_is_a_bad_request_not_a_500(client):
    client.cookies["sessionid"] = "\x00" + "a" * 31
    response = client.get("/")
    assert_refused_page(response)


def test_requests_without_a_nul_pass_through(client, resident):
    assert client.get("/activities/?q=%E4%BA%B2%E5%AD%90").status_code == 200
    response = client.post(
        "/api/v1/auth/token/",
        json.dumps({"username": "ahua", "password": "pass-for-tests-1"}),
        content_type="application/json",
    )
    assert response.status_code == 200
