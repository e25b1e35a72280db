"""Every chapter's benchmark, registered with ``aigc_lab.bench.register`` on import."""
from . import concepts  # noqa: F401
from . import text  # noqa: F401
from . import explain  # noqa: F401
from . import foundations  # noqa: F401
from . import image  # noqa: F401
from . import speech  # noqa: F401
from . import video  # noqa: F401
