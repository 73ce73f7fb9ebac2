"""Window tests run without a display: Qt must learn that before it is first imported."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest  # noqa: E402


@pytest.fixture
def phone():
    """The stand-in phone on 127.0.0.1 (tests/phone_standin.py) with WeChat running, WeCom, and WeChat's
    folder in shared storage; it asks Allow and is tapped after 0.8 s."""
    from tests.phone_standin import PhonePackage, StandInPhone

    standin = StandInPhone(packages=[PhonePackage("com.tencent.mm", version_name="8.0.49", running=True),
                                     PhonePackage("com.tencent.wework")],
                           shared_storage={"/storage/emulated/0/tencent/MicroMsg": 3000}, allow_delay=0.8)
    standin.serve()
    yield standin
    standin.close()
