from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selector.errors import ConfigError, SelectorError
from selector.selection.allocation import AllocationConfig, presample_indices, temperature_quotas, temperature_shares

sizes_st = st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=8)
tau_st = st.one_of(st.floats(min_value=0.25, max_value=20), st.just(math.inf))


def test_known_values_and_shapes():
    assert temperature_quotas({"a": 900, "b": 100}, 100, tau=1) == {"a": 90, "b": 10}
    assert temperature_quotas({"a": 900, "b": 100}, 100, tau=math.inf) == {"a": 50, "b": 50}
    # tau = 3: 900^(1/3) : 100^(1/3) = 9.65 : 4.64 -> 67.5 / 32.5, the tie in remainders goes to the first key
    assert temperature_quotas({"a": 900, "b": 100}, 100, tau=3) == {"a": 68, "b": 32}
    assert temperature_quotas([900, 100], 100, tau=3) == [68, 32]
    assert list(temperature_quotas({"z": 1, "a": 1}, 1)) == ["z", "a"]  # key order kept
    assert temperature_quotas({"z": 1, "a": 1}, 1) == {"z": 1, "a": 0}  # tie: first key wins


def test_caps_hand_the_excess_to_the_others():
    # uniform would give 40 each, but the small group has 5: the other two share the remaining 115
    assert temperature_quotas([5, 1000, 1000], 120, tau=math.inf) == [5, 58, 57]
    assert temperature_quotas([5, 10, 1000], 100, tau=1) == [0, 1, 99]  # 0.49, 0.99, 98.5: remainders decide
    assert temperature_quotas([5, 10, 1000], 100, tau=math.inf) == [5, 10, 85]  # two caps, water-filled
    assert temperature_quotas([3, 4], 100) == [3, 4]  # total above the pool takes everything
    assert temperature_quotas([0, 7], 5, tau=math.inf) == [0, 5]
    assert temperature_quotas([], 5) == []


def test_bad_arguments_are_user_errors():
    with pytest.raises(ConfigError, match="tau"):
        temperature_quotas([1, 2], 2, tau=0)
    with pytest.raises(SelectorError, match="non-negative"):
        temperature_quotas([1, -2], 2)
    with pytest.raises(SelectorError, match="budget"):
        temperature_quotas([1, 2], -1)
    with pytest.raises(ConfigError, match=r"allocation\.tau"):
        AllocationConfig(tau=-1.0)


@settings(max_examples=300, deadline=None)
@given(sizes=sizes_st, total=st.integers(min_value=0, max_value=3000), tau=tau_st)
def test_sum_and_caps(sizes, total, tau):
    q = temperature_quotas(sizes, total, tau)
    assert sum(q) == min(total, sum(sizes))
    assert all(0 <= qi <= n for qi, n in zip(q, sizes, strict=True))


@settings(max_examples=300, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=8), data=st.data())
def test_tau_one_is_proportional_within_one(sizes, data):
    total = data.draw(st.integers(min_value=0, max_value=sum(sizes)))
    q = temperature_quotas(sizes, total, tau=1.0)
    for qi, n in zip(q, sizes, strict=True):
        assert abs(qi - total * n / sum(sizes)) < 1 + 1e-9  # proportional shares never exceed n: no cap binds


@settings(max_examples=300, deadline=None)
@given(sizes=sizes_st, total=st.integers(min_value=0, max_value=3000), tau=tau_st)
def test_quotas_round_the_capped_shares(sizes, total, tau):
    shares = temperature_shares(sizes, total, tau)
    q = temperature_quotas(sizes, total, tau)
    assert math.isclose(sum(shares), min(total, sum(sizes)), rel_tol=1e-9, abs_tol=1e-6)
    assert all(math.floor(s + 1e-9) <= qi <= math.ceil(s - 1e-9) for s, qi in zip(shares, q, strict=True))


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=500), min_size=2, max_size=8),
    data=st.data(),
    taus=st.lists(st.floats(min_value=0.25, max_value=20), min_size=2, max_size=2, unique=True),
)
def test_monotone_in_tau(sizes, data, taus):
    """As tau grows, the largest group's share does not grow and the smallest's does not shrink.

    The real-valued shares are exactly monotone. The integer quotas round them by largest remainder, which can
    move a group against the trend by one unit (the population paradox of Hamilton's method, see
    test_largest_remainder_paradox); they never move by more.
    """
    total = data.draw(st.integers(min_value=0, max_value=sum(sizes)))
    lo, hi = sorted(taus)
    big = max(range(len(sizes)), key=lambda i: (sizes[i], -i))
    small = min(range(len(sizes)), key=lambda i: (sizes[i], i))
    s_lo, s_hi = temperature_shares(sizes, total, lo), temperature_shares(sizes, total, hi)
    assert s_hi[big] <= s_lo[big] + 1e-6
    assert s_hi[small] >= s_lo[small] - 1e-6
    q_lo, q_hi = temperature_quotas(sizes, total, lo), temperature_quotas(sizes, total, hi)
    assert q_hi[big] <= q_lo[big] + 1
    assert q_hi[small] >= q_lo[small] - 1
    q_inf = temperature_quotas(sizes, total, math.inf)
    assert q_inf[big] <= q_lo[big] + 1 and q_inf[small] >= q_lo[small] - 1


def test_largest_remainder_paradox():
    """Documented behaviour: the smallest group's share grows (0.39 -> 0.70) but its quota drops 1 -> 0."""
    sizes, total = [1, 49, 46, 6], 12
    assert temperature_shares(sizes, total, 1.5)[0] < temperature_shares(sizes, total, 2.0)[0]
    assert temperature_quotas(sizes, total, 1.5) == [1, 5, 5, 1]
    assert temperature_quotas(sizes, total, 2.0) == [0, 5, 5, 2]


def test_presample_is_balanced_seeded_and_ordered():
    groups = ["a"] * 900 + ["b"] * 100
    picked = presample_indices(groups, 100, tau=math.inf, seed=3)
    assert picked == sorted(picked) and len(set(picked)) == 100
    assert sum(1 for i in picked if groups[i] == "b") == 50
    assert presample_indices(groups, 100, tau=math.inf, seed=3) == picked
    assert presample_indices(groups, 100, tau=math.inf, seed=4) != picked
    assert presample_indices(groups, 5000) == list(range(1000))
