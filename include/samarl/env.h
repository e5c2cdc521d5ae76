/* The environment interface: what every environment declares and the
 * operations the trainers, the evaluation and `samarl run` call on it.
 * env.name picks an implementation from the registry (src/env/env.c); DR-v1,
 * the demand-response environment of DESIGN.md §3, is "dr" (src/env/dr.c).
 *
 * An environment holds the state of a rank's agents x parallel copies in
 * structure-of-arrays form (index i * copies + j) and works on blocks of
 * agents, so that its hot loops stay plain, vectorisable C. Nothing outside
 * the implementation reads its state: callers see the fields of env_t below
 * and the functions of this header. Every random draw is keyed by (seed,
 * gid, episode, copy, step), so an agent's trajectory is the same on any
 * number of ranks and in any visiting order; nothing is allocated per step.
 *
 * Per step of agent i in copy j an environment gives a reward r, the usage
 * g of the shared resource (the cost channel the multiplier prices: the
 * trainers maximise r - lambda g), and two quantities `samarl run` reports
 * as demand served and demand arrived (an environment without a notion of
 * demand reports g for both). */
#ifndef SAMARL_ENV_H
#define SAMARL_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/config.h"
#include "samarl/types.h"

#define ENV_OBS_MAX 128   /* observation features, at most */
#define ENV_MAX_LEVELS 16 /* discrete actions, at most */
#define ENV_COSTS_MAX 4   /* cost channels, at most (usage g is channel 0) */

/* The agents' distributed graph and a halo on it (partition.h, halo.h). */
typedef struct lgraph lgraph_t;
typedef struct halo halo_t;

/* Where the noise of an episode comes from: training, evaluation and
 * execution never share draws. */
typedef enum { ENV_NOISE_TRAIN, ENV_NOISE_EVAL, ENV_NOISE_RUN, ENV_NOISE_PROBE } env_noise_t;

/* What an environment declares about itself. */
typedef enum { ENV_ACTION_DISCRETE, ENV_ACTION_CONTINUOUS } env_action_kind_t;
typedef enum { ENV_REWARD_AGENT, ENV_REWARD_TEAM } env_reward_kind_t;
typedef enum {
    ENV_SPLIT_AGENTS, /* agents are split across ranks by the partition */
    ENV_SPLIT_COPIES  /* whole joint copies are split across ranks (small worlds) */
} env_split_t;

/* A model its trainers simulate themselves (env_spec_t.model), instead of
 * stepping the environment's agents: none, or which model env_ops_t.model
 * gives (the type its header declares). A trainer reads one kind
 * (trainer_ops_t.model). */
typedef enum {
    ENV_MODEL_NONE,
    ENV_MODEL_ROBOTS,    /* robots_t (env_robots.h): altmarl */
    ENV_MODEL_WAREHOUSE, /* warehouse_t (env_warehouse.h): altmarl-fa */
    ENV_MODEL_NETMDP,    /* netmdp_t (env_netmdp.h): netac-q, netac-v */
    ENV_MODEL_ISING,     /* ising_t (env_ising.h): mfq, mfac, iql */
    ENV_MODEL_COUNT
} env_model_t;

typedef struct env_spec {
    int obs_dim;                   /* observation features (<= ENV_OBS_MAX), lambda last */
    env_action_kind_t action_kind; /* discrete: n_levels actions; continuous: action_dim */
    int n_levels, action_dim;
    int n_costs;                   /* cost channels per agent (usage g is channel 0) */
    env_reward_kind_t reward_kind; /* a reward per agent, or one team reward */
    int hops;                      /* hops of neighbours the costs read (0: separable; at most 1) */
    env_split_t split;
    int model;    /* env_model_t: a model its trainers simulate (set from env_ops_t.model_kind) */
    int analytic; /* whether it has an analytic policy (set by env_create) */
} env_spec_t;

/* A per-agent table an environment publishes (the policy and run files
 * write it as /agents/NAME), or a per-agent x copy array of its state that a
 * checkpoint must hold to continue bit for bit. */
typedef struct env_table {
    const char *name, *units, *description;
    const float *data; /* [n] */
    /* The policy file's wording of the description, where it has always
     * differed from the run file's (NULL: the same). */
    const char *policy_description;
} env_table_t;
/* A checkpoint stores field NAME as /state/NAME beside the run's own
 * lambda, tracker, epoch_usage and last_slack: those names are taken. */
typedef enum { ENV_FIELD_F32, ENV_FIELD_F64, ENV_FIELD_I64 } env_field_type_t;
typedef struct env_field {
    const char *name;
    void *data; /* [n * copies] elements of `type` */
    env_field_type_t type;
} env_field_t;

typedef struct env env_t;
typedef struct robots robots_t;       /* env_robots.h */
typedef struct warehouse warehouse_t; /* env_warehouse.h */

/* One environment: its declarations come from create, which fills e->spec
 * and e->capacity and returns its private state (collective: it may read
 * files on rank 0 and reduce over ranks; bad input fails every rank through
 * comm_check). Optional operations are NULL when the environment has none. */
typedef struct env_ops {
    const char *name;
    const char *summary; /* one line, for samarl list */
    /* The environment's own [section] of the configuration, or NULL
     * (registered by env_register_config). */
    const config_section_t *config;
    /* The longest episode it can number, in steps (0: no limit); checked by
     * env_check_steps before an episode that long is asked for. */
    int64_t max_steps;
    /* The most (episode + 1) x copies its noise keys can number (0: no
     * limit); checked by env_check_episodes before training asks for more. */
    int64_t max_episode_copies;
    void *(*create)(const config_t *cfg, env_t *e);
    /* Optional: read and check the environment's input files (on the
     * calling rank alone) without building it, returning an error that names
     * the file and what was expected. create ends the job on such an error;
     * a caller that must survive it (the step API) asks here first. */
    int (*check_inputs)(const config_t *cfg, gidx_t n_global);
    void (*destroy)(void *impl);
    void (*begin_episode)(env_t *e, uint64_t run_seed, env_noise_t src, uint64_t episode);
    void (*reset_agent)(env_t *e, lidx_t i);
    void (*observe)(const env_t *e, lidx_t i, int64_t t, const float *lambda, float *obs);
    void (*step)(env_t *e, lidx_t i, int64_t t, const uint8_t *action, float *usage, float *reward,
                 float *served, float *arrived);
    void (*observe_agents)(const env_t *e, lidx_t i0, int m, int64_t t, const float *lambda,
                           float *obs);
    void (*step_agents)(env_t *e, lidx_t i0, int m, int64_t t, const uint8_t *action, float *usage,
                        float *reward, float *served, float *arrived);
    /* Collective: a hash of everything that defines the environment. */
    uint64_t (*fingerprint)(const env_t *e);
    /* Per-agent tables (k = 0, 1, ... until it returns 0) and checkpoint fields. */
    int (*table)(const env_t *e, int k, env_table_t *out);
    int (*field)(env_t *e, int k, env_field_t *out);
    /* Optional: what is pending for agents i0..i0+m-1 of copy 0 (e.g. deferred
     * demand), and whether it has become a backlog that no longer clears
     * (samarl run's "postponers"). */
    void (*pending_agents)(const env_t *e, lidx_t i0, int m, float *out);
    int (*stuck)(const env_t *e, lidx_t i);
    /* Optional: the price of usage in copy j at step t (samarl run's energy cost). */
    float (*price)(const env_t *e, int j, int64_t t);
    /* Optional: agent i's scale, > 0: the size of its rewards and usage when
     * its observations are scale-free (a household's demand scale). The
     * trainers divide its rewards by it (train.reward_scale), and the dual
     * rules share the capacity in proportion to it (dual.share). NULL: 1. */
    float (*scale)(const env_t *e, lidx_t i);
    /* Required when spec.hops > 0. Collective: the agents' graph, before
     * any episode; halo (on lg, width >= 1) may be used here and is not
     * kept. Where a cost channel reads neighbours, its values come from lg. */
    void (*attach_graph)(env_t *e, const lgraph_t *lg, halo_t *halo);
    /* Required when spec.n_costs > 1 (but for an environment of copies,
     * whose step_world gives its one cost channel): channels 1 .. n_costs-1 of every
     * owned agent and copy after step t, cost[c - 1][i * copies + j], from
     * the step's usage g of the agents and their graph neighbours,
     * usage[(n_owned + n_ghost) * copies] in lg's local numbering (the
     * caller fills the ghosts by a halo exchange). */
    void (*costs)(const env_t *e, int64_t t, const double *usage, double *cost);
    /* Optional: an analytic policy (policy.type = bestresponse): actions of
     * agent i at step t in every copy, softmax with temperature tau (0: argmax)
     * drawn with the uniforms u[copy]. */
    void (*analytic)(const env_t *e, lidx_t i, int64_t t, const float *lambda, double tau,
                     double defer_hours, const double *u, uint8_t *action);
    /* Required when spec.split is ENV_SPLIT_COPIES (a world whose agents
     * move together): step() records each agent's action (its reward is 0
     * there); after every agent has stepped at t, this moves every copy's
     * world once and gives each agent's reward and cost channel 1,
     * reward[i * copies + j] and cost channel 1 (its quantity minus its bound,
     * as env_costs gives it elsewhere), cost[i * copies + j] (either may be
     * NULL). */
    void (*step_world)(env_t *e, int64_t t, float *reward, double *cost);
    /* Required for spec.model != ENV_MODEL_NONE: the model its trainers
     * plan with and simulate (env_model() checks the kind), and what it is,
     * a phrase for messages ("a global agent beside ..."). Such an
     * environment has no per-agent steps: only samarl train creates it. */
    int model_kind; /* env_model_t; env_create sets spec.model to it */
    const void *(*model)(const env_t *e);
    const char *model_what;
} env_ops_t;

/* An environment instance. The fields are the caller's to read, not to write. */
struct env {
    const env_ops_t *ops;
    void *impl;
    lidx_t n;          /* agents on this rank */
    int copies;        /* parallel copies of each agent */
    gidx_t n_global;   /* agents in the whole run */
    const gidx_t *gid; /* [n], the caller's (not owned) */
    env_spec_t spec;
    int n_levels;     /* spec.n_levels, read in many places */
    uint64_t episode; /* the episode begun last (env_begin_episode) */
    double capacity;  /* the bound C on the total usage sum_i g_i per step */
    /* Cost channels 1 .. spec.n_costs-1: each is a quantity minus the bound
     * it must stay under on average (the constraint: mean cost <= 0); their
     * names (a series' word) and bounds (violations are reported relative
     * to them) and units. */
    const char *cost_name[ENV_COSTS_MAX], *cost_units[ENV_COSTS_MAX];
    double cost_bound[ENV_COSTS_MAX];
    /* Units of a reward, a usage and a multiplier per agent per step, for
     * the outputs (create may set them; else DR's "$/agent/step",
     * "kWh/agent/step" and "$/kWh"). */
    const char *reward_units, *usage_units, *lambda_units;
    const lgraph_t *lg; /* env_create_on_graph's graph (NULL from env_create) */
    /* env_create_copies: every rank holds all agents and copies
     * [copy0, copy0 + copies) of copies_total (elsewhere 0 and copies). */
    int64_t copy0, copies_total;
    gidx_t *gid_owned; /* env_create_copies' gids 0 .. n-1 */
    /* env_create_trained on an environment of joint copies: this env is the
     * trained agents' view (n = lg's owned agents, gid = theirs, copies =
     * every copy, lg set), which runs nothing itself; `world` is the
     * env_create_copies environment (all agents, this rank's block of the
     * copies) that the trainer steps. NULL otherwise. */
    env_t *world;
};

/* The registry: env_find(name) or NULL; env_registered(k) for k = 0, 1, ...
 * until NULL (samarl list). */
const env_ops_t *env_find(const char *name);
const env_ops_t *env_registered(int k);
/* Register every environment's own configuration section, in registry
 * order, once; before any configuration is read (cli.c does it). */
void env_register_config(void);
/* SAMARL_OK when name is registered, else SAMARL_ERR with a message naming
 * the environments there are (for a command to refuse early). */
int env_check_name(const char *name);
/* The environment's check_inputs (SAMARL_OK where it has none); the name
 * must be registered. */
int env_check_inputs(const config_t *cfg, gidx_t n_global);
/* SAMARL_OK if env.name can be made without a graph (env_create); else an
 * error naming `who` (the caller) and what it needs. */
int env_check_graphless(const config_t *cfg, const char *who);
/* SAMARL_OK if env.name can run an episode of `steps` steps; else an error
 * naming `what` (the key that asked for them) and the limit. */
int env_check_steps(const config_t *cfg, int64_t steps, const char *what);
/* SAMARL_OK if env.name can number `episodes` episodes of `copies` copies;
 * else an error naming `what` and the limit. */
int env_check_episodes(const config_t *cfg, int64_t episodes, int64_t copies, const char *what);

/* Collective. The environment env.name for the rank's agents gid[0..n), with
 * `copies` parallel copies. Bad input: a message naming the file and what was
 * expected, every rank exits 1. */
void env_create(const config_t *cfg, gidx_t n_global, lidx_t n, const gidx_t *gid, int copies,
                env_t **out);
/* Collective. The same for lg's owned agents, with the graph attached
 * (env_ops_t.attach_graph, on `halo`, a halo of lg of width >= 1): the
 * only way to make an environment whose costs read neighbours (spec.hops
 * > 0), which env_create refuses. */
void env_create_on_graph(const config_t *cfg, const lgraph_t *lg, halo_t *halo, int copies,
                         env_t **out);
/* Collective. An environment whose whole joint copies are split across
 * ranks (spec.split = ENV_SPLIT_COPIES, e.g. spread): every rank holds all
 * n_agents agents (gids 0 .. n_agents-1) and a block of the copies_total
 * copies, rank r copies [r C / P, (r + 1) C / P); each copy's draws are
 * keyed by its global index, so a copy is the same on any number of ranks.
 * Refused on every rank for an environment split by agents, or with fewer
 * copies than ranks. */
void env_create_copies(const config_t *cfg, gidx_t n_agents, int64_t copies_total, env_t **out);
/* Whether env.name (registered) splits joint copies across ranks (it has
 * step_world, as exactly those environments do). */
int env_splits_copies(const config_t *cfg);
/* Collective. The environment a trainer trains lg's owned agents on, with
 * `copies` copies: env_create_on_graph's, or for an environment of joint
 * copies its trained agents' view (env_t.world above): e->n, e->gid and
 * e->lg are lg's, e->copies all `copies` of them, and e->world holds every
 * agent in this rank's block of the copies (env_create_copies).
 * env_destroy of the view destroys the world. The view's fingerprint, tables
 * and fields are the world's; stepping a view is an error. The only way to
 * make an environment that is a model its trainers simulate (spec.model),
 * which the other constructors refuse. */
void env_create_trained(const config_t *cfg, const lgraph_t *lg, halo_t *halo, int copies,
                        env_t **out);
/* e's model if it is one of `kind` (env_ops_t.model), else NULL. */
const void *env_model(const env_t *e, env_model_t kind);
/* After every agent's env_step at t (env_ops_t.step_world). */
void env_step_world(env_t *e, int64_t t, float *reward, double *cost);
/* Channels 1 .. n_costs-1 after step t (env_ops_t.costs). */
void env_costs(const env_t *e, int64_t t, const double *usage, double *cost);
void env_destroy(env_t **e);

/* Start episode `episode` of noise source `src` (seeded by run_seed). Call
 * before env_reset_agent. */
void env_begin_episode(env_t *e, uint64_t run_seed, env_noise_t src, uint64_t episode);
/* Agent i: a fresh start in every copy. */
void env_reset_agent(env_t *e, lidx_t i);
/* Agent i at step t: obs[copies][spec.obs_dim] with the multiplier lambda[copy]. */
void env_observe(const env_t *e, lidx_t i, int64_t t, const float *lambda, float *obs);
/* Agent i at step t takes action[copy]; outputs per copy (any may be NULL):
 * usage g, reward r (without the multiplier term), served, arrived. */
void env_step(env_t *e, lidx_t i, int64_t t, const uint8_t *action, float *usage, float *reward,
              float *served, float *arrived);
/* The same for one copy (copies == 1) and agents i0 .. i0+m-1, with lambda,
 * obs, action and the outputs (none NULL) indexed by q = i - i0: the bits of
 * the calls per agent, for a fraction of their time (samarl run's loop). */
void env_observe_agents(const env_t *e, lidx_t i0, int m, int64_t t, const float *lambda,
                        float *obs);
void env_step_agents(env_t *e, lidx_t i0, int m, int64_t t, const uint8_t *action, float *usage,
                     float *reward, float *served, float *arrived);

/* Collective. A hash of everything that defines the environment, the same
 * on any number of ranks: a policy trained for one is refused by another. */
uint64_t env_fingerprint(const env_t *e);

/* The environment's per-agent tables and checkpoint fields: k = 0, 1, ...
 * while they return 1. */
int env_table(const env_t *e, int k, env_table_t *out);
int env_field(env_t *e, int k, env_field_t *out);

/* What is pending for agents i0..i0+m-1 (copies == 1), 0 without the
 * notion; whether agent i's backlog no longer clears (0 without it). */
void env_pending_agents(const env_t *e, lidx_t i0, int m, float *out);
int env_stuck(const env_t *e, lidx_t i);
/* The price of usage in copy j at step t (0 without one). */
float env_price(const env_t *e, int j, int64_t t);
/* Agent i's scale (env_ops_t.scale; 1 without one). */
float env_scale(const env_t *e, lidx_t i);

/* The analytic policy's actions (env_ops_t.analytic; e->spec.analytic says
 * whether there is one). */
void env_analytic_act(const env_t *e, lidx_t i, int64_t t, const float *lambda, double tau,
                      double defer_hours, const double *u, uint8_t *action);

/* For implementations' fingerprints: a hash of n bytes on top of h; the
 * start of an agent's hash; and (collective) the sum mod 2^64 of every
 * rank's h, the same whatever the partition, for summing per-agent hashes. */
uint64_t env_hash_bytes(uint64_t h, const void *p, size_t n);
uint64_t env_hash_gid(gidx_t gid);
uint64_t env_hash_allsum(uint64_t h);

#endif
