"""Built-in plugin: the conversation stores."""

from __future__ import annotations

from chatcore.hookspecs import hookimpl


@hookimpl
def chatcore_register_stores(register) -> None:
    from chatcore.conversation.memory import MemorySettings, build_memory_store

    register(
        "memory",
        build_memory_store,
        settings=MemorySettings,
        description="in-process store for tests and throwaway sessions",
    )
