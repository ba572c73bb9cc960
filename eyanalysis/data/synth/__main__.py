"""``python -m eyanalysis.data.synth``: regenerate the bundled sample county."""

from eyanalysis.data.synth.files import main

raise SystemExit(main())
