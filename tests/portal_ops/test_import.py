"""Publishing a collection from a folder of files and a metadata CSV."""

from __future__ import annotations

import hashlib

from portal import cli


def _where(tmp_path, portal_database) -> list[str]:
    where = ["--data", str(tmp_path / "portal"), "--no-snapshot"]
    return where + (["--database", portal_database] if portal_database else [])


def _folder(tmp_path):
    folder = tmp_path / "физика"
    (folder / "видео").mkdir(parents=True)
    (folder / "урок-1.pdf").write_bytes(b"%PDF-1.4 lesson one")
    (folder / "видео" / "опыт.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 video")
    return folder


RUSSIAN = (
    "идентификатор;название;тип;предметы;классы;авторы;файлы;описание\n"
    "phys-1;Равномерное движение;урок;Физика;7;Петров И. И.;урок-1.pdf;Первый урок\n"
    "phys-2;Опыт с маятником;видеоурок;Физика;7-9;;видео/опыт.mp4;\n"
)


def test_a_folder_with_russian_headers_is_published_once(store, tmp_path, capsys,
                                                          portal_database):
    store.publish_collection({"id": "physics", "title": "Физика", "kind": "subject"})
    folder = _folder(tmp_path)
    (tmp_path / "опись.csv").write_text("\ufeff" + RUSSIAN, encoding="utf-8")
    args = ["import", str(folder), "--csv", str(tmp_path / "опись.csv"),
            "--collection", "physics", *_where(tmp_path, portal_database)]
    assert cli.main(args) == 0, capsys.readouterr().err
    assert "imported 2 resource(s), 0 unchanged" in capsys.readouterr().out
    r1, r2 = store.get_resource("phys-1"), store.get_resource("phys-2")
    assert r1["type"] == "lesson" and r1["authors"] == ["Петров И. И."]
    assert r2["grades"] == [7, 8, 9] and r2["collections"] == ["physics"]
    sha = hashlib.sha256(b"\x00\x00\x00\x18ftypmp42 video").hexdigest()
    assert r2["files"] == [{"sha256": sha, "name": "опыт.mp4", "mime": "video/mp4",
                            "size": 18}]
    assert store.blobs.path_for(sha).read_bytes().endswith(b"video")
    head = store.head()
    # The same import again changes nothing: no new versions, no new seqs.
    assert cli.main(args) == 0
    assert "imported 0 resource(s), 2 unchanged" in capsys.readouterr().out
    assert store.head() == head


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(store, tmp_path, capsys,
                                                               portal_database):
    folder = _folder(tmp_path)
    csv = ("id,title,type,grades,files,collections\n"
           "ok-1,Хороший урок,lesson,5,урок-1.pdf,\n"
           "bad-1,Без файла,lesson,5,нет-такого.pdf,\n"
           "bad-2,Странный тип,poem,5,,\n"
           "bad-3,Класс,lesson,пятый,,\n"
           "bad-4,Коллекция,lesson,5,,nowhere\n"
           "ok-1,Повтор,lesson,5,,\n"
           "bad-5,Выход,lesson,5,../../etc/passwd,\n")
    (tmp_path / "list.csv").write_text(csv, encoding="utf-8")
    args = ["import", str(folder), "--csv", str(tmp_path / "list.csv"),
            *_where(tmp_path, portal_database)]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    for line, words in ((3, "not in the folder"), (4, "unknown type"), (5, "grade"),
                        (6, "unknown collection"), (7, "also on line 2"), (8, "outside")):
        assert f"line {line}: " in err and words in err, (line, err)
    assert "line 2:" not in err and "nothing imported: 6 bad row(s) of 7" in err
    assert store.head() == 0
    assert cli.main([*args, "--skip-bad"]) == 0
    assert "imported 1 resource(s)" in capsys.readouterr().out
    assert store.get_resource("ok-1")["title"] == "Хороший урок"


def test_a_csv_that_is_not_utf8_or_has_unknown_columns_is_refused(store, tmp_path, capsys):
    folder = _folder(tmp_path)
    (tmp_path / "cp1251.csv").write_bytes("id,название,тип\nx,Урок,урок\n".encode("cp1251"))
    (tmp_path / "cols.csv").write_text("id,title,type,цвет\n", encoding="utf-8")
    where = ["--data", str(tmp_path / "portal")]
    assert cli.main(["import", str(folder), "--csv", str(tmp_path / "cp1251.csv"), *where]) == 1
    assert "not UTF-8" in capsys.readouterr().err
    assert cli.main(["import", str(folder), "--csv", str(tmp_path / "cols.csv"), *where]) == 1
    assert "unknown column 'цвет'" in capsys.readouterr().err
