# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Write the README's ROS parameter tables from the nodes' parameter tables.

Each table in README.md follows a line `<!-- parameters: NODE -->`; this script
replaces the table under it with `markdown_table()` of that node's Specs.
test/test_ros_params.py fails when README.md and the code differ.

    scripts/with_env.sh python scripts/param_tables.py          # rewrite README.md
    scripts/with_env.sh python scripts/param_tables.py --check  # exit 1 if it would change
"""
import argparse
from pathlib import Path
import re
import sys

README = Path(__file__).resolve().parent.parent / 'README.md'
MARKER = re.compile(r'^<!-- parameters: (\w+) -->$')


def node_tables() -> dict:
    """Node name -> its rendered parameter table."""
    from fast_lewm_ros.ros.explore_node import EXPLORE_PARAMETERS
    from fast_lewm_ros.ros.params import markdown_table
    from fast_lewm_ros.ros.recorder_node import RECORDER_PARAMETERS
    from fast_lewm_ros.ros.settings import PLANNER_PARAMETERS, SIM_PARAMETERS
    tables = {'planner_node': PLANNER_PARAMETERS, 'sim_node': SIM_PARAMETERS,
              'explore_node': EXPLORE_PARAMETERS, 'recorder_node': RECORDER_PARAMETERS}
    return {node: markdown_table(specs) for node, specs in tables.items()}


def render(text: str, tables: dict) -> str:
    """Return README text with the table under every marker replaced."""
    lines, out, i = text.split('\n'), [], 0
    while i < len(lines):
        out.append(lines[i])
        match = MARKER.match(lines[i])
        i += 1
        if not match:
            continue
        node = match.group(1)
        if node not in tables:
            raise SystemExit(f'param_tables: README.md names unknown node {node!r}')
        while i < len(lines) and lines[i].startswith('|'):  # drop the old table
            i += 1
        out.extend(tables[node].split('\n'))
    return '\n'.join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true', help='only say whether README differs')
    args = parser.parse_args()
    text = README.read_text()
    new = render(text, node_tables())
    if args.check:
        print('README parameter tables are up to date' if new == text
              else 'README parameter tables differ: run scripts/param_tables.py')
        return int(new != text)
    README.write_text(new)
    return 0


if __name__ == '__main__':
    sys.exit(main())
