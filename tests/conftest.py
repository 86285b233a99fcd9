import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import roundtrip_batches  # noqa: E402
from xdist.scheduler import LoadFileScheduling  # noqa: E402

ROUNDTRIP_FILE = "tests/test_nbgrader_roundtrip.py"


class LoadFileAndRoundTripBatches(LoadFileScheduling):
    """``--dist loadfile``, except that the nbgrader round trip's batches (one course of a few
    exercises each) are separate units, so two workers grade two batches side by side instead
    of one worker grading every exercise while the other idles."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        self.batch_of = {exercise: number for number, batch in enumerate(roundtrip_batches()) for exercise in batch}

    def _split_scope(self, nodeid: str) -> str:
        path = super()._split_scope(nodeid)
        if path == ROUNDTRIP_FILE and "[" in nodeid:
            params = nodeid[nodeid.index("[") + 1:nodeid.rindex("]")].split("-")
            for exercise in params:
                if exercise in self.batch_of:
                    return f"{path}::batch{self.batch_of[exercise]}"
        return path


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadfile":
        return LoadFileAndRoundTripBatches(config, log)
    return None
