"""The stages of a run, one file each, in the order ``select`` runs them (see :mod:`.base` for the contract):

read -> clean -> filter -> presample -> tokens -> embed -> cluster -> semantic dedup -> plan -> pick ->
coverage -> versus-random evidence -> write. ``dedup`` runs read -> near dedup -> embed -> cluster -> semantic
dedup, and ``filter`` read -> clean -> filter.
"""

from __future__ import annotations

from selector.pipeline.stages.base import BaseStage, Stage, When, run_stages
from selector.pipeline.stages.clean import CleanStage
from selector.pipeline.stages.cluster import ClusterStage
from selector.pipeline.stages.embed import EmbedStage, LoadEncoderStage
from selector.pipeline.stages.filter import ExportCheckStage, FilterStage
from selector.pipeline.stages.measure import CoverageStage, EvidenceStage
from selector.pipeline.stages.near_dedup import NearDedupStage
from selector.pipeline.stages.pick import PickStage
from selector.pipeline.stages.plan import PlanStage
from selector.pipeline.stages.presample import PresampleStage
from selector.pipeline.stages.read import ReadStage
from selector.pipeline.stages.semantic_dedup import SemanticDedupStage
from selector.pipeline.stages.tokens import TokensStage
from selector.pipeline.stages.write import WriteStage

__all__ = [
    "BaseStage",
    "CleanStage",
    "ClusterStage",
    "CoverageStage",
    "EmbedStage",
    "EvidenceStage",
    "ExportCheckStage",
    "FilterStage",
    "LoadEncoderStage",
    "NearDedupStage",
    "PickStage",
    "PlanStage",
    "PresampleStage",
    "ReadStage",
    "SemanticDedupStage",
    "Stage",
    "TokensStage",
    "When",
    "WriteStage",
    "run_stages",
]
