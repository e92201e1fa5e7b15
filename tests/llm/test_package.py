import subprocess
import sys

import fastagent.llm


def test_llm_public_names_resolve_lazily():
    assert sorted(dir(fastagent.llm)) == sorted(fastagent.llm.__all__)
    for name in fastagent.llm.__all__:
        assert getattr(fastagent.llm, name) is not None


def test_importing_the_llm_core_imports_no_sdk_and_no_provider_module():
    code = (
        "import sys\n"
        "from fastagent.llm.augmented import AugmentedLLM\n"
        "from fastagent.llm import RequestParams, SimpleMemory\n"
        "for name in ('anthropic', 'openai', 'mcp', 'fastagent.providers.passthrough',\n"
        "             'fastagent.providers.playback', 'fastagent.tools.toolset'):\n"
        "    assert name not in sys.modules, name\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
