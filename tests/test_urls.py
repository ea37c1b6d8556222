import pytest

from crawler.text.urls import canonical_url, same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Arnapress.kz/ru/news/1-a/", "https://arnapress.kz/ru/news/1-a"),
        (
            "https://arnapress.kz/ru/news/1-a?utm_source=tg&fbclid=x#top",
            "https://arnapress.kz/ru/news/1-a",
        ),
        ("https://gov.kz/x/details/5?lang=kk&b=2", "https://gov.kz/x/details/5?b=2&lang=kk"),
        ("http://127.0.0.1:8080/a/", "http://127.0.0.1:8080/a"),
        ("https://arnapress.kz:443/", "https://arnapress.kz/"),
        (
            "https://www.arnapress.kz/kz/news/5-b/?UTM_Campaign=x&gclid=1&yclid=2&page=2#c",
            "https://arnapress.kz/kz/news/5-b?page=2",
        ),
        ("https://arnapress.kz/ru/news/1-a?", "https://arnapress.kz/ru/news/1-a"),
        ("https://gov.kz/d/5?utm_source=tg&lang=ru&fbclid=abc", "https://gov.kz/d/5?lang=ru"),
        (
            "https://arnapress.kz/ru/news/1-ярмарка",
            "https://arnapress.kz/ru/news/1-%D1%8F%D1%80%D0%BC%D0%B0%D1%80%D0%BA%D0%B0",
        ),
        ("https://arnapress.kz/ru/news/1-%d1%8f", "https://arnapress.kz/ru/news/1-%D1%8F"),
        ("https://arnapress.kz/ru/news/a%20b", "https://arnapress.kz/ru/news/a%20b"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_lang_parameter_selects_a_different_article() -> None:
    ru = canonical_url("https://www.gov.kz/d/5?lang=ru")
    kk = canonical_url("https://www.gov.kz/d/5?lang=kk")
    assert ru != kk


def test_same_site_ignores_www_but_not_other_hosts() -> None:
    assert same_site("https://www.arnapress.kz/a", "https://arnapress.kz")
    assert not same_site("https://evil.example/a", "https://arnapress.kz")
    assert not same_site("https://arnapress.kz.evil.example/a", "https://arnapress.kz")


def test_canonical_url_is_idempotent() -> None:
    for url in (
        "https://www.Arnapress.kz/ru/news/1-ярмарка/?utm_source=x&b=2&a=1#top",
        "https://www.gov.kz/memleket/entities/almaty/press/news/details/900001?lang=kk",
    ):
        once = canonical_url(url)
        assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://arnapress.kz:99999/ru/news/1-a/", "http://arnapress.kz:99999/ru/news/1-a"),
        ("https://arnapress.kz:abc/x", "https://arnapress.kz:abc/x"),
        ("http://[x/news/1", "http://[x/news/1"),
        ("https://arnapress.kz/news/1-%zz", "https://arnapress.kz/news/1-%25zz"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("mailto:info@arnapress.kz", "mailto:info@arnapress.kz"),
    ],
)
def test_canonical_url_never_raises_on_bad_links(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
