"""Run every benchmark: `make bench` (FRONTCOUNTER_BENCH_REQUESTS sets the scale)."""

from __future__ import annotations

from benchmarks import demo_generator, kb_search, request_list, startup


def main() -> None:
    print(
        "figure                                           value          baseline"
        "            ratio   target"
    )
    demo_generator.main()
    startup.main()
    request_list.main()
    kb_search.main()


if __name__ == "__main__":
    main()
