"""Run every benchmark: `make bench` (FRONTCOUNTER_BENCH_REQUESTS sets the scale)."""

from __future__ import annotations

from benchmarks import (
    concurrency,
    concurrency_windows,
    dashboard,
    demo_generator,
    imports,
    kb_search,
    open311_load,
    pg_migration,
    printing,
    register,
    request_list,
    startup,
)


def main() -> None:
    print(
        "figure                                           value          baseline"
        "            ratio   target"
    )
    demo_generator.main()
    startup.main()
    request_list.main()
    kb_search.main()
    concurrency.main()
    concurrency_windows.main()
    printing.main()
    dashboard.main()
    pg_migration.main()
    open311_load.main()
    imports.main()
    register.main()


if __name__ == "__main__":
    main()
