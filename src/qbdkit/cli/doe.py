"""`qbdkit doe …` commands: design generation (doe_design) and analysis (doe_analysis)."""

import typer

app = typer.Typer(no_args_is_help=True)

# Each half registers its commands on ``app``.
from qbdkit.cli import doe_analysis, doe_design, doe_space  # noqa: E402

doe_design.register(app)
doe_analysis.register(app)
doe_space.register(app)
