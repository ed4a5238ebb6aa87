"""The compiled-lexicon cache: a later process reads what an earlier one compiled, an edited
list is compiled anew, and a damaged entry is rebuilt instead of used."""

from __future__ import annotations

from chatcore.builtin.moderation import compiled, filters
from chatcore.builtin.moderation.settings import LexiconSettings


def _fresh(settings: LexiconSettings):
    """The lexicon as a new process would get it (the in-process memo emptied)."""
    filters._LEXICONS.clear()
    return filters.build_lexicon(settings)


def _entries(cache):
    return sorted(cache.glob("lexicon-*.pickle"))


def test_a_later_process_reads_the_compiled_lexicon(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATCORE_CACHE_DIR", str(tmp_path))
    first = _fresh(LexiconSettings())
    (entry,) = _entries(tmp_path)
    calls = []
    monkeypatch.setattr(filters, "_compile", lambda s: calls.append(s))
    second = _fresh(LexiconSettings())
    assert calls == [] and second is not first
    for text in ["what the fuck", "他妈的", "前面路口交通很堵", "k*ll yourself", "hello"]:
        assert second.scan(text)[1] == first.scan(text)[1], text
    assert _entries(tmp_path) == [entry]


def test_an_edited_list_is_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATCORE_CACHE_DIR", str(tmp_path / "cache"))
    words = tmp_path / "mine.txt"
    words.write_text("[insult]\nnincompoop\n", encoding="utf-8")
    settings = LexiconSettings(builtin=False, lists=[words])
    assert _fresh(settings).scan("a grobble")[1] == []
    words.write_text("[insult]\nnincompoop\ngrobble\n", encoding="utf-8")
    assert [h.category for h in _fresh(settings).scan("a grobble")[1]] == ["insult"]
    assert len(_entries(tmp_path / "cache")) == 2


def test_a_damaged_entry_is_rebuilt_not_used(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("CHATCORE_CACHE_DIR", str(tmp_path))
    settings = LexiconSettings(builtin=False, terms={"insult": ["nincompoop"]})
    _fresh(settings)
    (entry,) = _entries(tmp_path)
    data = bytearray(entry.read_bytes())
    at = data.index(b"nincompop")  # the term's key: repeated letters are kept apart
    data[at : at + 9] = b"harmlessy"  # a valid pickle that would no longer block the term
    entry.write_bytes(bytes(data))
    lexicon = _fresh(settings)
    assert [h.category for h in lexicon.scan("you nincompoop")[1]] == ["insult"]
    assert "damaged lexicon cache" in caplog.text
    assert compiled.entry_key(settings) in entry.name and entry.read_bytes() != bytes(data)


def test_an_unwritable_cache_still_compiles(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("CHATCORE_CACHE_DIR", str(blocked / "cache"))
    lexicon = _fresh(LexiconSettings(builtin=False, terms={"insult": ["nincompoop"]}))
    assert [h.category for h in lexicon.scan("you nincompoop")[1]] == ["insult"]


def test_an_entry_others_may_write_is_not_loaded(tmp_path, monkeypatch):
    """A cache pointed at a shared folder: an entry there could have been swapped by another
    user, so it is compiled anew instead of unpickled."""
    monkeypatch.setenv("CHATCORE_CACHE_DIR", str(tmp_path))
    settings = LexiconSettings(builtin=False, terms={"insult": ["nincompoop"]})
    _fresh(settings)
    (entry,) = _entries(tmp_path)
    assert entry.stat().st_mode & 0o077 == 0 and tmp_path.stat().st_mode & 0o022 == 0
    tmp_path.chmod(0o777)
    calls = []
    monkeypatch.setattr(filters, "_compile", lambda s: calls.append(s) or compiled_lexicon(s))
    _fresh(settings)
    assert calls == [settings]


def compiled_lexicon(settings):
    from chatcore.builtin.moderation.lexicon import Lexicon

    return Lexicon(filters._entries(settings))
