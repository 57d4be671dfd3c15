"""`python -m training import-gift` and `export-gift`: valid files, reported skips, round trip."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training.__main__ import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, main
from training.gift import MAX_GIFT_BYTES, module_from_gift, parse_gift
from training.loader import load_module_file

ROOT = Path(__file__).resolve().parents[2]
GIFT = ROOT / "tests" / "fixtures" / "gift"
MODULE = ROOT / "tests" / "fixtures" / "content" / "valid" / "sample-basics.yaml"


def import_gift(source: Path, folder: Path, *extra: str) -> int:
    return main(
        [
            "import-gift",
            str(source),
            "--id",
            "service-basics",
            "--title",
            "Service basics",
            "--competency",
            "foundations",
            "--content-dir",
            str(folder),
            *extra,
        ]
    )


def test_import_writes_a_valid_module_and_reports_every_skip(tmp_path, capsys):
    folder = tmp_path / "content"
    folder.mkdir()
    assert import_gift(GIFT / "feedback.gift", folder) == EXIT_OK
    out, err = capsys.readouterr()
    written = folder / "service-basics.yaml"
    assert f"wrote {written}: 4 questions" in out
    module, problems = load_module_file(written)
    assert problems == [] and module is not None
    assert module.title == "Service basics" and module.competency == "foundations"
    assert [q.id for q in module.quiz.questions][:2] == ["service-basics-01", "service-basics-02"]
    source = GIFT / "feedback.gift"
    assert f"{source}:24: Essay: essay question (empty answer block) is not supported" in err
    assert f"{source}:1: " in err and "category" in err  # every note names its line and title
    assert [p.name for p in folder.iterdir()] == ["service-basics.yaml"]  # no temporary file


def test_partial_credit_weights_are_reported_as_rounded(tmp_path, capsys):
    assert import_gift(GIFT / "weights.gift", tmp_path) == EXIT_OK
    err = capsys.readouterr().err
    assert "Thirds: weight 33.33333% on option 'Red' treated as correct" in err
    assert "Partial: weight 50% on option 'Sydney' treated as wrong" in err


def test_import_never_overwrites_without_force(tmp_path, capsys):
    target = tmp_path / "service-basics.yaml"
    target.write_text("keep me\n")
    assert import_gift(GIFT / "feedback.gift", tmp_path) == EXIT_USAGE
    assert "exists already" in capsys.readouterr().err
    assert target.read_text() == "keep me\n"
    assert import_gift(GIFT / "feedback.gift", tmp_path, "--force") == EXIT_OK
    assert load_module_file(target)[0] is not None


def test_import_with_nothing_supported_writes_nothing(tmp_path, capsys):
    source = tmp_path / "essay.gift"
    source.write_text("::Essay::Tell us about a great day.{}\n", encoding="utf-8")
    folder = tmp_path / "content"
    folder.mkdir()
    assert import_gift(source, folder) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert f"{source}:1: Essay:" in err and "no question this app supports" in err
    assert list(folder.iterdir()) == []


def test_import_refuses_a_bad_id_and_a_missing_file(tmp_path, capsys):
    assert import_gift(tmp_path / "missing.gift", tmp_path) == EXIT_USAGE
    with pytest.raises(SystemExit) as usage:
        main(
            [
                "import-gift",
                str(GIFT / "feedback.gift"),
                "--id",
                "x",
                "--title",
                "T",
                "--competency",
                "kindness",
            ]
        )
    assert usage.value.code == EXIT_USAGE
    code = main(
        [
            "import-gift",
            str(GIFT / "feedback.gift"),
            "--id",
            "Not Kebab",
            "--title",
            "T",
            "--competency",
            "empathy",
            "--content-dir",
            str(tmp_path),
        ]
    )
    assert code == EXIT_PROBLEMS
    assert "kebab-case" in capsys.readouterr().err


def test_export_prints_gift_that_imports_back_to_the_same_questions(tmp_path, capsys):
    assert main(["export-gift", str(MODULE)]) == EXIT_OK
    gift = capsys.readouterr().out
    assert gift.startswith("// Sample basics (sample-basics)")
    assert "::sb-03::[markdown]A quick greeting matters even when you are busy.{TRUE" in gift
    original = load_module_file(MODULE)[0]
    back, notes = module_from_gift(
        parse_gift(gift), id="again", title="Again", competency="foundations"
    )
    # the multiple question's split weights come back as right and wrong options
    assert notes and all("weight" in n.message for n in notes)
    for before, after in zip(original.quiz.questions, back.quiz.questions, strict=True):
        assert after.type == before.type and after.answer == before.answer
        prompt = f"{before.scenario}\n\n{before.prompt}" if before.scenario else before.prompt
        assert after.prompt == prompt
        assert [(o.text, o.correct, o.feedback) for o in after.options or []] == [
            (o.text, o.correct, o.feedback) for o in before.options or []
        ]


def test_export_to_a_file_and_refusals(tmp_path, capsys):
    out = tmp_path / "bank.gift"
    assert main(["export-gift", str(MODULE), "-o", str(out)]) == EXIT_OK
    assert "wrote" in capsys.readouterr().out and out.read_text().count("::sb-") == 3
    broken = tmp_path / "broken-rules.yaml"
    shutil.copy(ROOT / "tests" / "fixtures" / "content" / "mixed" / "broken-rules.yaml", broken)
    assert main(["export-gift", str(broken)]) == EXIT_PROBLEMS
    assert f"{broken}:30:7: question sb-01 has no correct option" in capsys.readouterr().err
    assert main(["export-gift", str(tmp_path / "nope.yaml")]) == EXIT_USAGE


def test_both_commands_are_listed_in_the_help():
    result = subprocess.run(
        [sys.executable, "-m", "training", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "import-gift" in result.stdout and "export-gift" in result.stdout


def big_gift(size: int) -> str:
    """Return valid GIFT text of about size bytes (every question importable)."""
    block = "::Q{n}::Which greeting is best?{{=Hello, welcome in#Yes ~Next#No}}\n\n"
    count = size // len(block.format(n=0)) + 1
    return "".join(block.format(n=n) for n in range(count))


def test_import_refuses_a_file_beyond_the_size_limit_before_reading_it(tmp_path, capsys):
    source = tmp_path / "bank.gift"
    source.write_text(big_gift(MAX_GIFT_BYTES + 1), encoding="utf-8")
    size = source.stat().st_size
    folder = tmp_path / "content"
    folder.mkdir()
    started = time.perf_counter()
    assert import_gift(source, folder) == EXIT_PROBLEMS
    assert time.perf_counter() - started < 5  # generous on a busy CI machine
    err = capsys.readouterr().err
    assert err == (
        f"error: {source}: the GIFT text is too large ({size:,} bytes; the limit is "
        f"{MAX_GIFT_BYTES:,}); split it into several files, one per module\n"
    )
    assert list(folder.iterdir()) == []


def test_import_of_a_file_just_within_the_limit_works(tmp_path, capsys):
    source = tmp_path / "bank.gift"
    text = big_gift(MAX_GIFT_BYTES - 200)
    source.write_text(text[: text.rfind("::Q", 0, MAX_GIFT_BYTES - 100)], encoding="utf-8")
    assert source.stat().st_size <= MAX_GIFT_BYTES
    assert import_gift(source, tmp_path) == EXIT_OK
    assert load_module_file(tmp_path / "service-basics.yaml")[1] == []
