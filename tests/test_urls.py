import pytest

from crawler.urls import canonical_url, same_site


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
