def test_login_page_is_chinese(client):
    page = client.get("/auth/login").data.decode()
    assert 'lang="zh-CN"' in page
