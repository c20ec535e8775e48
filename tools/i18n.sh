#!/usr/bin/env bash
# make i18n: regenerate collections_mgmt/i18n/collections_mgmt.pot the Odoo way and merge it
# into every translation (collections_mgmt/i18n/*.po, French today).
#
# 1. Copy the cached test template (Odoo's account plus collections_mgmt, the database that
#    `make test` builds) into collections_i18n and run odoo-bin's export there:
#    --i18n-export=....pot --modules=collections_mgmt, no language, so a template.
# 2. Merge the template into each .po with Python's polib (already in .venv: Odoo needs it),
#    the way `msgmerge --no-fuzzy-matching` does: entries in the template order, translations
#    kept by msgid (and msgctxt), new entries empty, entries gone from the code dropped.
#    Translations filled in .run/i18n-todo.<lang>.po by hand are taken first.
# 3. Report what is left: the count of untranslated and fuzzy entries, their msgids, and
#    .run/i18n-todo.<lang>.po holding just those entries, ready to fill in.
# Variables: I18N_DB (collections_i18n), LANGS (the .po files found in i18n/).
# shellcheck source=tools/dev.sh
# dev.sh's functions (base_template, test_template) are shared with `make test`; the
# argument "check" only makes its dispatcher check the Odoo source.
source "$(dirname "${BASH_SOURCE[0]}")/dev.sh" check

I18N_DB=${I18N_DB:-collections_i18n}
I18N_DIR="$ROOT/$MODULE/i18n"

setup_all
base=$(base_template)
tmpl=$(test_template "$base")
clone_db "$tmpl" "$I18N_DB"
mkdir -p "$RUN/i18n" "$I18N_DIR"
say "Exporting the terms of $MODULE from $I18N_DB (copy of $tmpl)"
started=$(date +%s)
odoo -d "$I18N_DB" --i18n-export="$RUN/i18n/$MODULE.pot" --modules="$MODULE" \
    --no-http --log-level=warn || die "odoo-bin --i18n-export failed"
say "Export took $(($(date +%s) - started)) s"
drop_db "$I18N_DB"

if [ -z "${LANGS:-}" ]; then
    LANGS=$(find "$I18N_DIR" -maxdepth 1 -name '*.po' -printf '%f\n' | sed 's/\.po$//' | sort | tr '\n' ' ')
fi
"$PY" - "$RUN/i18n/$MODULE.pot" "$I18N_DIR" "$RUN" ${LANGS:-} <<'PY'
"""Merge the exported template into the committed one and into each language's .po."""

import shutil
import sys
from pathlib import Path

import polib

new_pot_path, i18n_dir, run_dir, *langs = sys.argv[1:]
i18n_dir, run_dir = Path(i18n_dir), Path(run_dir)
pot_path = i18n_dir / "collections_mgmt.pot"
new_pot = polib.pofile(new_pot_path)


def key(entry):
    return (entry.msgctxt, entry.msgid)


def signature(pofile):
    """What a .pot says, without its dates."""
    return [(key(e), e.comment, tuple(e.occurrences)) for e in pofile]


committed_pot = polib.pofile(str(pot_path)) if pot_path.exists() else None
if committed_pot is not None and signature(committed_pot) == signature(new_pot):
    # keep the committed file and its date: the .po files do not change either
    new_pot = committed_pot
    print(f"{pot_path.name}: unchanged, {len(new_pot)} entries")
else:
    shutil.copyfile(new_pot_path, pot_path)
    print(f"{pot_path.name}: written, {len(new_pot)} entries")

pending = 0
for lang in langs:
    po_path = i18n_dir / f"{lang}.po"
    todo_path = run_dir / f"i18n-todo.{lang}.po"
    old = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    translated = {key(e): e for e in old if not e.obsolete}
    # translations filled in the todo file of a previous run win over empty or fuzzy ones
    taken = 0
    if todo_path.exists():
        for entry in polib.pofile(str(todo_path)):
            prev = translated.get(key(entry))
            if entry.msgstr and "fuzzy" not in entry.flags and not entry.obsolete:
                if prev is None or not prev.msgstr or "fuzzy" in prev.flags:
                    translated[key(entry)] = entry
                    taken += 1
    merged = polib.POFile(wrapwidth=old.wrapwidth or 78)
    merged.header = new_pot.header
    merged.metadata = old.metadata or dict(new_pot.metadata)
    merged.metadata.update(
        {
            "POT-Creation-Date": new_pot.metadata.get("POT-Creation-Date", ""),
            "Language": lang,
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
        }
    )
    if not merged.metadata.get("Plural-Forms"):
        merged.metadata["Plural-Forms"] = "nplurals=2; plural=n > 1;"
    todo = polib.POFile()
    todo.metadata = dict(merged.metadata)
    for source in new_pot:
        entry = polib.POEntry(
            msgid=source.msgid,
            msgctxt=source.msgctxt,
            msgstr="",
            comment=source.comment,
            occurrences=list(source.occurrences),
            flags=[f for f in source.flags if f != "fuzzy"],
        )
        prev = translated.pop(key(source), None)
        if prev is not None:
            entry.msgstr = prev.msgstr
            entry.tcomment = prev.tcomment
            if "fuzzy" in prev.flags:
                entry.flags.append("fuzzy")
        merged.append(entry)
        if not entry.msgstr or "fuzzy" in entry.flags:
            todo.append(entry)
    dropped = [e for e in translated.values() if e.msgstr]
    for entry in dropped:
        # hints for strings that changed: their old translations, as obsolete entries
        todo.append(
            polib.POEntry(msgid=entry.msgid, msgstr=entry.msgstr, obsolete=True)
        )
    merged.save(str(po_path))
    todo.save(str(todo_path))
    remaining = [e for e in todo if not e.obsolete]
    pending += len(remaining)
    done = len(merged) - len(remaining)
    print(
        f"{po_path.name}: {len(merged)} entries, {done} translated, "
        f"{len(remaining)} to do ({sum('fuzzy' in e.flags for e in remaining)} fuzzy)"
        + (f", {taken} taken from {todo_path.name}" if taken else "")
        + (f", {len(dropped)} dropped (gone from the code)" if dropped else "")
    )
    for entry in remaining:
        flag = "fuzzy " if "fuzzy" in entry.flags else ""
        first = entry.msgid.splitlines()[0] if entry.msgid else ""
        more = " [...]" if "\n" in entry.msgid or len(first) > 100 else ""
        print(f"  {flag}{first[:100]!r}{more}")
    if remaining:
        print(
            f"  Fill them in {po_path.relative_to(i18n_dir.parent.parent)} (empty msgstr) "
            f"or in .run/{todo_path.name} and run make i18n again."
        )

PY
