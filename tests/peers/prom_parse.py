"""Parses a /metrics scrape (stdin) with the Prometheus project's own Python
client: its strict OpenMetrics parser (what the server sends) and its
Prometheus text-format parser. Prints every sample as JSON lines
[name, labels, value]; exits non-zero if either parser refuses the text."""

import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
from prometheus_client.parser import text_string_to_metric_families as prometheus

text = sys.stdin.read()
samples = []
for family in openmetrics(text):
    for s in family.samples:
        samples.append([s.name, s.labels, s.value])
# The classic text format has no "# EOF"; everything else must parse too.
classic = [s for f in prometheus(text.replace("# EOF\n", "")) for s in f.samples]
if len(classic) != len(samples):
    sys.exit(f"the parsers disagree: {len(samples)} OpenMetrics samples, {len(classic)} classic")
for sample in samples:
    print(json.dumps(sample))
