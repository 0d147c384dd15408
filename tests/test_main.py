"""The main job, `python -m skcorrnet`, on small settings."""

import subprocess
import sys

import numpy as np
import pytest

from skcorrnet.__main__ import main

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_main_job_prints_one_table_of_three_models(capsys):
    """The table has linear CCA, CorrNet and CorrNet with lambda = 0."""
    assert main(["--components", "6", "--epochs", "3", "--top", "4"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("linear", "Corr"))]
    assert len(rows) == 3
    assert "lambda=0" in rows[2]
    for word in ("top4_corr", "acc_0to1", "acc_1to0", "pred_mse", "fit_s"):
        assert word in out


def test_main_job_reads_user_csv_and_npy(tmp_path, capsys):
    """Two user files replace the digits; without labels no accuracy columns."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(120, 2))
    np.savetxt(tmp_path / "a.csv", z @ rng.normal(size=(2, 5)), delimiter=",")
    np.save(tmp_path / "b.npy", np.tanh(z @ rng.normal(size=(2, 4))))
    argv = ["--views", str(tmp_path / "a.csv"), str(tmp_path / "b.npy"),
            "--components", "3", "--epochs", "2", "--top", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "84 training rows, 36 test rows" in out
    assert "acc_0to1" not in out


def test_main_job_rejects_views_of_different_lengths(tmp_path):
    """Mismatched files stop with a message, not a traceback."""
    np.save(tmp_path / "a.npy", np.zeros((10, 2)))
    np.save(tmp_path / "b.npy", np.zeros((9, 2)))
    with pytest.raises(SystemExit, match="10 and 9 rows"):
        main(["--views", str(tmp_path / "a.npy"), str(tmp_path / "b.npy")])


def test_main_job_plot(tmp_path):
    """--plot writes a PNG of the halves and the predicted halves."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "halves.png"
    assert main(["--components", "4", "--epochs", "2", "--plot", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_module_entry_point_help():
    """`python -m skcorrnet --help` runs as a module and lists the options."""
    res = subprocess.run(
        [sys.executable, "-m", "skcorrnet", "--help"],
        capture_output=True, text=True, check=True,
    )
    for flag in ("--components", "--epochs", "--seed", "--views", "--plot"):
        assert flag in res.stdout


def test_main_job_lowers_top_and_checks_labels(tmp_path, capsys):
    """--top above the narrower view is lowered; labels of another length stop."""
    rng = np.random.default_rng(1)
    np.save(tmp_path / "a.npy", rng.normal(size=(60, 3)))
    np.save(tmp_path / "b.npy", rng.normal(size=(60, 5)))
    np.save(tmp_path / "l.npy", np.arange(59) % 2)
    views = ["--views", str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]
    assert main([*views, "--components", "2", "--epochs", "1", "--standardise"]) == 0
    out = capsys.readouterr().out
    assert "--top lowered from 10 to 3" in out
    assert "top3_corr" in out and "standardised" in out
    with pytest.raises(SystemExit, match="59 values for 60 rows"):
        main([*views, "--labels", str(tmp_path / "l.npy")])
    with pytest.raises(SystemExit, match="cannot draw --views"):
        main([*views, "--plot", str(tmp_path / "x.png")])
