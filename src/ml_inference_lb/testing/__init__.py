"""Test Pulumi programs that use ``InferenceCluster`` offline, from your own pytest suite.

Like aws-cdk-lib's ``assertions``: run a program under mocks, then query and assert on what it
registered, and check every Azure request body against Azure's definitions::

    from ml_inference_lb.testing import Match, Template

    template = Template.from_program(lambda: InferenceCluster("demo", args))
    template.resource_count_is("OnlineDeployment", 2)
    template.has_resource("OnlineDeployment", {"sku": {"capacity": 3}, "properties": Match.object_like({})})
    template.check_contract()

See docs/testing.md.
"""

from ..contract import Violation
from .match import Match, Matcher
from .names import NameRecord, compare_names, name_snapshot
from .template import Template

__all__ = ["Match", "Matcher", "NameRecord", "Template", "Violation", "compare_names", "name_snapshot"]
