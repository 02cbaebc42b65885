"""All mechanism parameters in one record: the ``[mechanisms]`` table of a scenario.

Defaults are model-wide: the shipped scenarios do not override them, so no
scenario is tuned toward its own outcome.
"""

from __future__ import annotations

from thermidor.mechanisms.abuse import AbuseParams
from thermidor.mechanisms.accountability import AccountabilityParams
from thermidor.mechanisms.activity import ActivityParams
from thermidor.mechanisms.apparatus import ApparatusParams
from thermidor.mechanisms.base import Params
from thermidor.mechanisms.crisis import CrisisParams
from thermidor.mechanisms.differentiation import DifferentiationParams
from thermidor.mechanisms.economy import EconomyParams
from thermidor.mechanisms.interventions import InterventionParams
from thermidor.mechanisms.knowledge import KnowledgeParams
from thermidor.mechanisms.legitimacy import LegitimacyParams
from thermidor.mechanisms.reporting import ReportingParams
from thermidor.mechanisms.repression import RepressionParams
from thermidor.mechanisms.voice import VoiceParams


class MechanismParams(Params):
    economy: EconomyParams = EconomyParams()
    interventions: InterventionParams = InterventionParams()
    differentiation: DifferentiationParams = DifferentiationParams()
    abuse: AbuseParams = AbuseParams()
    knowledge: KnowledgeParams = KnowledgeParams()
    reporting: ReportingParams = ReportingParams()
    voice: VoiceParams = VoiceParams()
    accountability: AccountabilityParams = AccountabilityParams()
    repression: RepressionParams = RepressionParams()
    apparatus: ApparatusParams = ApparatusParams()
    activity: ActivityParams = ActivityParams()
    legitimacy: LegitimacyParams = LegitimacyParams()
    crisis: CrisisParams = CrisisParams()
