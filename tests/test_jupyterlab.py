"""JupyterLab starts on 127.0.0.1 from the installed environment and serves /lab."""

import pytest


@pytest.mark.slow
def test_jupyterlab_serves_lab(jupyterlab):
    status, body = jupyterlab("/lab")
    assert status == 200
    assert "JupyterLab" in body
