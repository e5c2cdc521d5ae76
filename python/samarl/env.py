"""samarl's environments behind a step API, for a learner of one's own.

    import samarl.env
    env = samarl.env.make(overrides={"graph.agents": 64, "dual.lambda0": 0.1})
    obs = env.reset()                                   # (agents, observation_size) float32
    obs, reward, cost, terminated, truncated, info = env.step(actions)   # actions: (agents,) ints

The dynamics are the engine's own (build/libsamarl.so, include/samarl/api.h,
loaded with cffi in ABI mode): every agent of the graph the configuration
names, one process, no mpirun. ``reward`` is each agent's r without the
multiplier term and ``cost`` its grid draw g, the usage the multiplier lambda
prices (a Lagrangian learner maximises r - lambda g); ``info`` holds
``served``, ``arrived`` and ``pending`` demand per agent and the ``step``.
lambda is the last feature of each observation: ``lam`` (a number or one
per agent) sets it, and without it every agent sees the multiplier samarl run
starts from (``env.lambda0``: dual.lambda0, 0 under dual.mode = none).
Episodes are truncated at env.horizon steps; nothing terminates early.

``reset()`` starts the noise samarl run uses (run.seed, episode 0), so the
actions a run recorded (``/traj/action``) give back its ``/traj/reward``,
``/traj/usage`` and ``/traj/backlog`` bit for bit. ``reset(seed=s,
episode=k)`` starts other noise; the agents themselves (their scales and
utility weights) come from env.seed and stay.

``parallel_env(...)`` wraps the same environment in the shape of
PettingZoo's Parallel API (dicts keyed by agent name), without needing
PettingZoo.

The library is found at $SAMARL_LIB, else at build/libsamarl.so beside this
package's python/ folder (``make`` builds it), else by the system's loader;
it is loaded on first use, so ``import samarl`` works without it. Its C
declarations are read from include/samarl/api.h beside the library's build
(or $SAMARL_INCLUDE/samarl/api.h), so they are stated once. Needs cffi
(Debian: python3-cffi).
"""
import os
import re

import numpy as np

__all__ = ["SamarlError", "Env", "make", "ParallelEnv", "parallel_env", "Box", "Discrete",
           "library_path"]

def header_path():
    """include/samarl/api.h, the one statement of the C API: $SAMARL_INCLUDE/samarl/api.h,
    else the header in the repository this package sits in."""
    inc = os.environ.get("SAMARL_INCLUDE")
    if inc:
        return os.path.join(inc, "samarl", "api.h")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, "include", "samarl", "api.h")


def _cdef():
    """api.h as cffi reads it: its declarations without comments, preprocessor
    lines and the C++ guard."""
    path = header_path()
    try:
        text = open(path).read()
    except OSError as e:
        raise ImportError(f"samarl.env reads the C API from {path} ({e.strerror}); point "
                          "SAMARL_INCLUDE at the folder that holds samarl/api.h") from None
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    keep = [line for line in text.splitlines()
            if not line.lstrip().startswith("#") and line.strip() not in ('extern "C" {', "}")]
    return "\n".join(keep) + "\nvoid free(void *);\n"


API_VERSION = 1
NOISE = {"train": 0, "eval": 1, "run": 2, "probe": 3}

_ffi = None
_lib = None


class SamarlError(ValueError):
    """samarl refused the request; the message is samarl's own."""


def library_path():
    """Where the shared library is looked for first: $SAMARL_LIB, else
    build/libsamarl.so in the repository this package sits in."""
    env = os.environ.get("SAMARL_LIB")
    if env:
        return env
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, "build", "libsamarl.so")


def _load():
    global _ffi, _lib
    if _lib is not None:
        return _ffi, _lib
    try:
        import cffi
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("samarl.env needs cffi (Debian: apt-get install python3-cffi)") from e
    ffi = cffi.FFI()
    ffi.cdef(_cdef())
    path = library_path()
    if not os.environ.get("SAMARL_LIB") and not os.path.exists(path):
        path = "libsamarl.so"  # installed somewhere the loader looks
    try:
        lib = ffi.dlopen(path)
    except OSError as e:
        raise OSError(f"cannot load samarl's shared library {path!r} ({e}); build it with "
                      "'make' (build/libsamarl.so) or point SAMARL_LIB at it") from e
    if lib.samarl_api_version() != API_VERSION:
        raise OSError(f"{path}: step API version {lib.samarl_api_version()}, this module "
                      f"speaks {API_VERSION}: rebuild the library or update python/samarl")
    _ffi, _lib = ffi, lib
    return ffi, lib


def _text(v):
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (list, tuple, np.ndarray)):
        return ",".join(_text(x) for x in v)
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def _overrides(overrides):
    """{"graph.agents": 64} or ["graph.agents=64"] -> ["graph.agents=64"]."""
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return [f"{k}={_text(v)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return [str(s) for s in overrides]


class Env:
    """Every agent of one samarl environment, stepped together (see the module).

    Attributes: ``agents`` (how many), ``observation_size``, ``action_levels``,
    ``horizon`` (env.horizon), ``run_steps`` (samarl run's length), ``capacity``
    (C on the agents' total cost per step), ``lambda0``, ``seed`` (run.seed),
    ``name`` (env.name), ``levels`` (env.levels), ``scales`` (each agent's
    scale a_i; its fair share of C is C a_i / sum(a)), ``config`` (the
    effective configuration as INI text), ``step_count``."""

    def __init__(self, config=None, overrides=None):
        ffi, lib = _load()
        self._ffi, self._lib = ffi, lib
        sets = _overrides(overrides)
        keep = [ffi.new("char[]", s.encode()) for s in sets]
        arr = ffi.new("const char *[]", keep) if keep else ffi.NULL
        out = ffi.new("samarl_env_t **")
        path = ffi.new("char[]", os.fsencode(config)) if config is not None else ffi.NULL
        if lib.samarl_env_create(path, arr, len(keep), out) != 0:
            raise SamarlError(self._errmsg())
        self._e = ffi.gc(out[0], lib.samarl_env_destroy)
        e = self._e
        self.agents = int(lib.samarl_env_agents(e))
        self.observation_size = int(lib.samarl_env_obs_size(e))
        self.action_levels = int(lib.samarl_env_action_levels(e))
        self.horizon = int(lib.samarl_env_horizon(e))
        self.run_steps = int(lib.samarl_env_run_steps(e))
        self.capacity = float(lib.samarl_env_capacity(e))
        self.lambda0 = float(lib.samarl_env_lambda0(e))
        self.seed = int(lib.samarl_env_seed(e))
        self.name = ffi.string(lib.samarl_env_name(e)).decode()
        self.levels = np.zeros(self.action_levels, np.float64)
        lib.samarl_env_levels(e, ffi.from_buffer("double[]", self.levels))
        self.scales = np.zeros(self.agents, np.float32)
        lib.samarl_env_scales(e, self._fbuf(self.scales))
        c = lib.samarl_env_config(e)
        self.config = ffi.string(c).decode()
        lib.free(c)

    # ---- plumbing ----
    def _errmsg(self):
        return self._ffi.string(self._lib.samarl_errmsg()).decode(errors="replace")

    def _check(self, rc):
        if rc != 0:
            raise SamarlError(self._errmsg())

    def _fbuf(self, a):
        return self._ffi.from_buffer("float[]", a, require_writable=True)

    def _lam(self, lam):
        """A float32 array of one multiplier per agent, or NULL (lambda0)."""
        if lam is None:
            return self._ffi.NULL, None
        a = np.asarray(lam, dtype=np.float32)
        if a.ndim == 0:
            a = np.full(self.agents, a, np.float32)
        elif a.shape != (self.agents,):
            raise ValueError(f"lam: expected a number or {self.agents} multipliers (one per "
                             f"agent), got shape {a.shape}")
        a = np.ascontiguousarray(a)
        return self._ffi.from_buffer("float[]", a), a

    def _actions(self, actions):
        a = np.asarray(actions)
        if a.shape != (self.agents,):
            raise ValueError(f"actions: expected {self.agents} (one per agent), got shape "
                             f"{a.shape}")
        if a.dtype.kind == "f" and np.all(a == np.floor(a)):
            a = a.astype(np.int64)
        if a.dtype.kind not in "iub":
            raise TypeError(f"actions: expected integer level indices, got dtype {a.dtype}")
        if a.size and (a.min() < 0 or a.max() >= self.action_levels):
            i = int(np.flatnonzero((a < 0) | (a >= self.action_levels))[0])
            raise SamarlError(f"agent {i}: action {int(a[i])} is not one of the "
                              f"{self.action_levels} levels of env.levels (expected 0 .. "
                              f"{self.action_levels - 1})")
        return np.ascontiguousarray(a, dtype=np.uint8)

    # ---- the API ----
    @property
    def step_count(self):
        """Steps taken since the last reset."""
        return int(self._lib.samarl_env_step_count(self._e))

    @property
    def price(self):
        """The price of usage at the current step (0 without one)."""
        return float(self._lib.samarl_env_price(self._e))

    def reset(self, seed=None, episode=0, noise="run", lam=None):
        """A fresh start of every agent; returns the first observation.
        seed: the noise's seed (None: run.seed); episode and noise ("train",
        "eval", "run", "probe") pick the noise stream; the default is
        samarl run's."""
        if noise not in NOISE:
            raise ValueError(f"noise: expected one of {', '.join(NOISE)}, got {noise!r}")
        seed = self.seed if seed is None else int(seed)
        if not 0 <= seed < 2**64:
            raise ValueError(f"seed: expected 0 .. 2^64-1, got {seed}")
        if int(episode) < 0:
            raise ValueError(f"episode: expected >= 0, got {episode}")
        self._check(self._lib.samarl_env_reset(self._e, seed, NOISE[noise], int(episode)))
        return self.observe(lam)

    def observe(self, lam=None):
        """The current observation, (agents, observation_size) float32."""
        obs = np.empty((self.agents, self.observation_size), np.float32)
        lp, _keep = self._lam(lam)
        self._check(self._lib.samarl_env_observe(self._e, lp, self._fbuf(obs)))
        return obs

    def step(self, actions, lam=None):
        """Every agent takes its action (a level index): returns (obs, reward,
        cost, terminated, truncated, info), arrays over the agents; obs is the
        next observation, with multipliers lam (None: lambda0)."""
        a = self._actions(actions)
        lp, _keep = self._lam(lam)
        n = self.agents
        obs = np.empty((n, self.observation_size), np.float32)
        reward, cost, served, arrived, pending = (np.empty(n, np.float32) for _ in range(5))
        self._check(self._lib.samarl_env_step(
            self._e, self._ffi.from_buffer("uint8_t[]", a), lp, self._fbuf(obs),
            self._fbuf(reward), self._fbuf(cost), self._fbuf(served), self._fbuf(arrived),
            self._fbuf(pending)))
        t = self.step_count
        terminated = np.zeros(n, bool)
        truncated = np.full(n, t >= self.horizon)
        info = {"served": served, "arrived": arrived, "pending": pending, "step": t}
        return obs, reward, cost, terminated, truncated, info

    def close(self):
        """Free the environment now (else when it is garbage)."""
        if getattr(self, "_e", None) is not None:
            self._ffi.release(self._e)
            self._e = None

    def __repr__(self):
        return (f"<samarl.env.Env {self.name}: {self.agents} agents, observation "
                f"{self.observation_size}, {self.action_levels} actions, horizon {self.horizon}>")


def make(config=None, overrides=None):
    """An Env from an INI file (None: built-in defaults) and overrides
    ({"section.key": value} or ["section.key=value", ...]), checked as
    ``samarl run -c config --set ...`` checks them; SamarlError with samarl's
    message when they are refused."""
    return Env(config, overrides)


# ---- PettingZoo's Parallel API, without PettingZoo -----------------------------------

class Box:
    """A box of float32 observations (shape, dtype, low, high) as gymnasium's."""

    def __init__(self, low, high, shape, dtype=np.float32):
        self.low, self.high, self.shape, self.dtype = low, high, tuple(shape), np.dtype(dtype)

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all((x >= self.low) & (x <= self.high)))

    def sample(self, rng=None):
        rng = rng or np.random.default_rng()
        return rng.standard_normal(self.shape).astype(self.dtype)

    def __repr__(self):
        return f"Box({self.low}, {self.high}, {self.shape}, {self.dtype})"


class Discrete:
    """n actions 0 .. n-1 (n, shape, dtype) as gymnasium's."""

    def __init__(self, n):
        self.n, self.shape, self.dtype = int(n), (), np.dtype(np.int64)

    def contains(self, x):
        return isinstance(x, (int, np.integer)) and 0 <= int(x) < self.n

    def sample(self, rng=None):
        rng = rng or np.random.default_rng()
        return int(rng.integers(self.n))

    def __repr__(self):
        return f"Discrete({self.n})"


class ParallelEnv:
    """PettingZoo's Parallel API over an Env: agents "agent_<gid>", dicts
    keyed by them. Rewards are r (without the multiplier term); each agent's
    info holds its cost (grid draw), served, arrived and pending demand.
    lam: the multipliers the agents observe (None: lambda0; a number, one
    per agent, or a dict by agent), also settable as ``self.lam``."""

    metadata = {"name": "samarl_v1", "is_parallelizable": True, "render_modes": []}
    render_mode = None

    def __init__(self, config=None, overrides=None, lam=None):
        self.env = make(config, overrides)
        self.possible_agents = [f"agent_{i}" for i in range(self.env.agents)]
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self.agents = []
        self.lam = lam
        self._obs_space = Box(-np.inf, np.inf, (self.env.observation_size,), np.float32)
        self._act_space = Discrete(self.env.action_levels)

    @property
    def num_agents(self):
        return len(self.agents)

    @property
    def max_num_agents(self):
        return len(self.possible_agents)

    def observation_space(self, agent):
        return self._obs_space

    def action_space(self, agent):
        return self._act_space

    def _lam(self):
        if isinstance(self.lam, dict):
            return np.array([self.lam.get(a, self.env.lambda0) for a in self.possible_agents],
                            np.float32)
        return self.lam

    def _dict(self, arr):
        return {a: arr[i] for i, a in enumerate(self.possible_agents)}

    def reset(self, seed=None, options=None):
        """(observations, infos); seed: the noise's seed (None: run.seed);
        options may hold "episode" and "noise" (Env.reset's)."""
        options = options or {}
        obs = self.env.reset(seed=seed, episode=options.get("episode", 0),
                             noise=options.get("noise", "run"), lam=self._lam())
        self.agents = list(self.possible_agents)
        return self._dict(obs), {a: {} for a in self.agents}

    def step(self, actions):
        """actions: {agent: level index} for every live agent."""
        if not self.agents:
            raise SamarlError("step() after the episode ended: call reset()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise KeyError(f"no action for {missing[0]} ({len(missing)} agents without one): "
                           "every live agent acts each step")
        extra = [a for a in actions if a not in self._index]
        if extra:
            raise KeyError(f"{extra[0]!r} is not an agent of this environment")
        a = np.zeros(self.env.agents, np.int64)
        for k, v in actions.items():
            a[self._index[k]] = v
        obs, r, g, term, trunc, info = self.env.step(a, lam=self._lam())
        infos = {ag: {"cost": g[i], "served": info["served"][i], "arrived": info["arrived"][i],
                      "pending": info["pending"][i]} for i, ag in enumerate(self.possible_agents)}
        out = (self._dict(obs), self._dict(r), self._dict(term), self._dict(trunc), infos)
        if trunc.any() or term.all():
            self.agents = []
        return out

    def state(self):
        """Every agent's observation, (agents, observation_size)."""
        return self.env.observe(self._lam())

    def render(self):
        return None

    def close(self):
        self.env.close()


def parallel_env(config=None, overrides=None, lam=None):
    """A ParallelEnv (PettingZoo's Parallel API) over make(config, overrides)."""
    return ParallelEnv(config, overrides, lam)
