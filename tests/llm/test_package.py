import subprocess
import sys


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
