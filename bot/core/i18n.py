"""Message catalogs: loading the compiled Babel catalogs and choosing a founder's language."""

from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations, Translations

from flows.shell.menu import LOCALES

DOMAIN = "messages"


class Catalogs:
    """The compiled catalogs of every supported locale."""

    def __init__(self, directory: Path) -> None:
        self._translations: dict[str, NullTranslations] = {}
        for locale in LOCALES:
            loaded = Translations.load(str(directory), [locale], DOMAIN)
            if not isinstance(loaded, Translations):
                raise FileNotFoundError(
                    f"no compiled catalog for {locale} in {directory}: run `make install` (pybabel compile)"
                )
            self._translations[locale] = loaded

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales these catalogs translate to."""
        return tuple(self._translations)

    def gettext(self, locale: str, msgid: str) -> str:
        return self._translations[locale].gettext(msgid)


def locale_for(
    stored: str | None, language_code: str | None, *, default: str, fallback: str
) -> str:
    """The founder's chosen language, else Telegram's hint (zh* → zh_CN, other → fallback), else default."""
    if stored in LOCALES:
        return stored
    if not language_code:
        return default
    code = language_code.lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return fallback
