/* Configuration: the key table, INI parsing through libinih, --set overrides,
 * validation and the effective-config dump (see config.h). */
#include "samarl/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "samarl/error.h"
#include "samarl/strbuf.h"

/* A key of the table (config.h's config_key_t): built-in keys live in
 * config_t (block 0), registered sections' in their own structs. */
typedef config_key_t key_spec_t;
#define KT_INT CONFIG_INT
#define KT_U64 CONFIG_U64
#define KT_REAL CONFIG_REAL
#define KT_BOOL CONFIG_BOOL
#define KT_ENUM CONFIG_ENUM
#define KT_STR CONFIG_STR

#define OFF(f) offsetof(config_t, f)
/* Longest string value (a path); longer lines than inih's buffer holds are
 * handled by line_reader, which hands inih a placeholder for the value. */
#define CONFIG_VALUE_MAX 4095
/* Marks a placeholder value: the byte cannot occur in a valid value. */
#define LONG_VALUE_MARK '\x01'
#define I64MAX 9.2e18
#define I32MAX 2147483647.0

/* The contract of config keys: scripts, tests and the README rely on these. */
static const key_spec_t builtin_keys[] = {
    {"run", "seed", KT_U64, OFF(run.seed), "1", 0, 0, 0, 0, NULL,
     "seed of every random draw; results depend on it, never on the rank count"},
    {"run", "days", KT_REAL, OFF(run.days), "28", 0, 1e5, 1, 0, NULL,
     "samarl run: simulated days (24 steps each); steady-state metrics use the second half"},
    {"run", "steps", KT_INT, OFF(run.steps), "0", 0, 1e9, 0, 0, NULL,
     "samarl run: run length in steps (hours); 0 means run.days x 24"},
    {"run", "greedy", KT_BOOL, OFF(run.greedy), "false", 0, 0, 0, 0, NULL,
     "samarl run: take each policy's most likely action instead of sampling"},
    {"run", "progress_every", KT_INT, OFF(run.progress_every), "0", 0, 1e9, 0, 0, NULL,
     "samarl run: print a progress line every M steps; 0 means about every 5 seconds"},
    {"run", "checkpoint_every", KT_INT, OFF(run.checkpoint_every), "0", 0, 1e9, 0, 0, NULL,
     "samarl run: every M steps write the complete state to OUTPUT.ckpt (atomically) so that "
     "--restart OUTPUT.ckpt continues a killed run bit for bit; 0: no checkpoints"},

    {"graph", "type", KT_ENUM, OFF(graph.type), "smallworld", 0, 0, 0, 0,
     "ring|grid2d|rgg|er|smallworld|complete|file",
     "communication graph: a generator, or 'file' to read graph.path"},
    {"graph", "agents", KT_INT, OFF(graph.agents), "1000", 1, I32MAX, 0, 0, NULL,
     "number of agents N for generators; for file graphs, if set, it must match the file"},
    {"graph", "k", KT_INT, OFF(graph.k), "3", 1, 1048576, 0, 0, NULL,
     "ring and smallworld: neighbours on each side (degree 2k)"},
    {"graph", "radius", KT_REAL, OFF(graph.radius), "0", 0, 1.5, 0, 0, NULL,
     "rgg: connection radius in the unit square; 0 derives it from graph.degree"},
    {"graph", "degree", KT_REAL, OFF(graph.degree), "8", 0, 1e9, 1, 0, NULL,
     "rgg (radius 0) and er: expected mean degree"},
    {"graph", "p", KT_REAL, OFF(graph.p), "0.1", 0, 1, 0, 0, NULL,
     "smallworld: rewiring probability; er: edge probability if set (else from graph.degree)"},
    {"graph", "rows", KT_INT, OFF(graph.rows), "0", 0, I32MAX, 0, 0, NULL,
     "grid2d: rows of the torus (must divide N); 0 picks the divisor closest to sqrt(N)"},
    {"graph", "path", KT_STR, OFF(graph.path), "", 0, 0, 0, 0, NULL,
     "graph.type = file: the METIS .graph file or edge list to read"},
    {"graph", "format", KT_ENUM, OFF(graph.format), "metis", 0, 0, 0, 0, "metis|edgelist",
     "graph.type = file: METIS graph format, or an edge list ('u v' per line, 0-based)"},
    {"graph", "seed", KT_U64, OFF(graph.seed), NULL, 0, 0, 0, 0, NULL,
     "seed of the random generators (default: run.seed)"},
    {"graph", "allow_disconnected", KT_BOOL, OFF(graph.allow_disconnected), "false", 0, 0, 0, 0,
     NULL, "accept a graph with several components (consensus then averages per component)"},

    {"partition", "method", KT_ENUM, OFF(partition.method), "metis", 0, 0, 0, 0, "metis|block|file",
     "METIS k-way; contiguous gid blocks; or a file written by samarl-partition"},
    {"partition", "file", KT_STR, OFF(partition.file), "", 0, 0, 0, 0, NULL,
     "partition.method = file: the partition.h5 to use"},
    {"partition", "seed", KT_U64, OFF(partition.seed), NULL, 0, 0, 0, 0, NULL,
     "METIS seed (default: run.seed); the partition changes speed, never results"},
    {"partition", "ufactor", KT_INT, OFF(partition.ufactor), "30", 1, 1000, 0, 0, NULL,
     "METIS load-imbalance tolerance in 1/1000 (30 allows parts 3% above average)"},

    {"halo", "method", KT_ENUM, OFF(halo.method), "p2p", 0, 0, 0, 0, "p2p|neighbor",
     "halo exchange: persistent point-to-point, or MPI-3 neighbourhood collectives"},
    {"halo", "hops", KT_INT, OFF(halo.hops), "1", 1, 64, 0, 0, NULL,
     "kappa-hop halo (samarl-partition --hops, khop.h): ghosts within this many hops of a rank's "
     "agents"},
    {"halo", "max_ghost_share", KT_REAL, OFF(halo.max_ghost_share), "0.5", 0, 1, 1, 0, NULL,
     "kappa-hop memory guard: refuse a halo.hops for which some rank would copy more than this "
     "share of the agents other ranks own (1: never refuse)"},

    {"env", "name", KT_STR, OFF(env.name), "dr", 0, 0, 0, 0, NULL,
     "environment, by its registered name ('samarl list' shows them): dr, DR-v1 demand "
     "response (one household or building per agent, hourly steps); toy, the template "
     "environment of docs/architecture.md"},
    {"env", "seed", KT_U64, OFF(env.seed), "1", 0, 0, 0, 0, NULL,
     "seed of the agents' parameters (scales, utilities, profile offsets); fixed by default so "
     "that one trained policy serves runs with any run.seed"},
    {"env", "horizon", KT_INT, OFF(env.horizon), "168", 1, 1048576, 0, 0, NULL,
     "steps (hours) per episode in training and evaluation"},
    {"env", "heterogeneity", KT_REAL, OFF(env.heterogeneity), "0.6", 0, 3, 0, 0, NULL,
     "log-sd of the lognormal demand scales a_i (mean 1); 0 makes all agents alike"},
    {"env", "min_scale", KT_REAL, OFF(env.min_scale), "0.05", 0, 1, 1, 0, NULL,
     "env.nodes: loads below this fraction of the mean are raised to it"},
    {"env", "beta_min", KT_REAL, OFF(env.beta_min), "0.4", 0, 100, 0, 0, NULL,
     "utility weights beta_i ~ U[beta_min, beta_max] ($/kWh)"},
    {"env", "beta_max", KT_REAL, OFF(env.beta_max), "0.8", 0, 100, 0, 0, NULL,
     "upper end of the utility weights ($/kWh)"},
    {"env", "capacity_ratio", KT_REAL, OFF(env.capacity_ratio), "1.3", 0, 100, 1, 0, NULL,
     "grid capacity C = capacity_ratio * sum_i a_i (kWh per hour)"},
    {"env", "feeder_ratio", KT_REAL, OFF(env.feeder_ratio), "1.3", 0, 100, 1, 0, NULL,
     "env.name = drnet: the local feeder limit F, in the neighbourhood's demand scales: agent "
     "i's constraint is that its load ratio l_i = sum_{j in i and its neighbours} g_j / sum_j a_j "
     "stay at most F on average"},
    {"env", "kappa", KT_REAL, OFF(env.kappa), "0.05", 0, 100, 0, 0, NULL,
     "cost of pending essential demand ($/kWh/h)"},
    {"env", "noise", KT_REAL, OFF(env.noise), "0.1", 0, 1, 0, 0, NULL,
     "relative sd of the hourly demand noise: d = a shape max(0, 1 + noise eps)"},
    {"env", "noise_clip", KT_REAL, OFF(env.noise_clip), "3", 0, 100, 0, 0, NULL,
     "the standard normal eps is clipped to [-noise_clip, noise_clip]"},
    {"env", "price_low", KT_REAL, OFF(env.price_low), "0.22", 0, 100, 0, 0, NULL,
     "energy price outside the peak hours ($/kWh)"},
    {"env", "price_high", KT_REAL, OFF(env.price_high), "0.54", 0, 100, 0, 0, NULL,
     "energy price in the peak hours ($/kWh)"},
    {"env", "peak_start", KT_INT, OFF(env.peak_start), "16", 0, 24, 0, 0, NULL,
     "first peak hour of the day (price_high applies for peak_start <= h < peak_end)"},
    {"env", "peak_end", KT_INT, OFF(env.peak_end), "21", 0, 24, 0, 0, NULL,
     "first hour after the peak"},
    {"env", "levels", KT_STR, OFF(env.levels), "0,0.5,1,1.5,2,2.5", 0, 0, 0, 0, NULL,
     "the actions: grid draw levels L_k, in units of the agent's scale a_i (2 to 16 "
     "increasing values >= 0)"},
    {"env", "nodes", KT_STR, OFF(env.nodes), "", 0, 0, 0, 0, NULL,
     "a nodes CSV (one row per agent, an 'id' column): its env.nodes_column, divided by its "
     "mean, gives the scales a_i"},
    {"env", "nodes_column", KT_STR, OFF(env.nodes_column), "pd_mw", 0, 0, 0, 0, NULL,
     "env.nodes: the column holding each agent's load"},
    {"env", "negative_loads", KT_ENUM, OFF(env.negative_loads), "clip", 0, 0, 0, 0,
     "clip|error|zero",
     "env.nodes: a negative load (a generator at a load bus) is clipped to zero load, with a "
     "note of how many (clip; zero is its former name), or is refused (error)"},
    {"env", "profiles", KT_STR, OFF(env.profiles), "", 0, 0, 0, 0, NULL,
     "a CityLearn-format profile CSV (columns price, load_b1..load_bK): agent gid follows "
     "building gid mod K with its own day offset, and prices follow the price column"},

    {"policy", "type", KT_ENUM, OFF(policy.type), "mlp", 0, 0, 0, 0, "mlp|bestresponse",
     "mlp: trained state-augmented network (policy.h5); bestresponse: analytic, no training"},
    {"policy", "sharing", KT_ENUM, OFF(policy.sharing), "agent", 0, 0, 0, 0, "agent|shared",
     "agent: one network per agent (no communication in training); shared: one network, "
     "gradients summed exactly over all agents"},
    {"policy", "hidden", KT_INT, OFF(policy.hidden), "32", 1, 1024, 0, 0, NULL,
     "units in each of the two tanh hidden layers"},
    {"policy", "tau", KT_REAL, OFF(policy.tau), "0.05", 0, 100, 0, 0, NULL,
     "bestresponse: softmax temperature in $ (times a_i); 0 picks the best level"},
    {"policy", "defer_hours", KT_REAL, OFF(policy.defer_hours), "8", 0, 1e6, 1, 0, NULL,
     "bestresponse: horizon H of the convex cost kappa H b' (1 + b'/(H a)) of pending demand"},
    {"policy", "normalize", KT_BOOL, OFF(policy.normalize), "true", 0, 0, 0, 0, NULL,
     "mlp: standardise the observations with statistics of a random-action probe episode"},
    {"policy", "kernel", KT_ENUM, OFF(policy.kernel), "auto", 0, 0, 0, 0, "auto|avx512|blas",
     "mlp: network arithmetic; avx512: fused register-blocked kernel; blas: OpenBLAS SGEMM "
     "(samarl run then acts one agent at a time, as some OpenBLAS kernels give a sample other "
     "bits in another batch); auto: avx512 where the CPU has it (results differ between kernels "
     "by rounding)"},

    {"train", "algo", KT_STR, OFF(train.algo), "ppo", 0, 0, 0, 0, NULL,
     "training algorithm, by its registered name ('samarl list' shows them): ppo, samarl's "
     "state-augmented PPO with GAE on r - lambda g (lambda drawn per copy); mappo-l, the "
     "centralised-critic baseline MAPPO-Lagrangian (one critic on the global state, one "
     "multiplier by dual ascent); reinforce, the template trainer of docs/architecture.md; "
     "scal-mappo-l, happo and ippo-l, the networked trainers of env.name = drnet (kappa-hop "
     "actors and critics, local multipliers, sequential updates)"},
    {"train", "iterations", KT_INT, OFF(train.iterations), "300", 0, 1e9, 0, 0, NULL,
     "PPO iterations in total (--resume continues up to this number); 0 writes the "
     "initialised networks untrained (for benchmarks and tests)"},
    {"train", "save_adam", KT_BOOL, OFF(train.save_adam), "true", 0, 0, 0, 0, NULL,
     "write the Adam moments into the policy file (--resume needs them); false writes a "
     "file a third of the size that runs and evaluates but cannot be resumed"},
    {"train", "checkpoint_every", KT_INT, OFF(train.checkpoint_every), "0", 0, 1e9, 0, 0, NULL,
     "every M iterations write the training state to OUTPUT.ckpt (atomically) so that "
     "--restart OUTPUT.ckpt continues a killed job bit for bit; 0: no checkpoints"},
    {"train", "copies", KT_INT, OFF(train.copies), "32", 1, 65536, 0, 0, NULL,
     "parallel copies of each agent's environment per iteration"},
    {"train", "lambda_max", KT_REAL, OFF(train.lambda_max), "1", 0, 1e6, 0, 0, NULL,
     "the largest multiplier drawn per copy ($/kWh; see train.lambda_power)"},
    {"train", "lambda_power", KT_INT, OFF(train.lambda_power), "3", 1, 8, 0, 0, NULL,
     "the multiplier is drawn as lambda_max u^k, u ~ U[0, 1]: k = 1 is uniform; larger k puts "
     "more draws at small multipliers, where the best use changes fastest (the utility's "
     "log: about beta / (price + lambda) - 1)"},
    {"train", "lambda_resample", KT_INT, OFF(train.lambda_resample), "0", 0, 1e9, 0, 0, NULL,
     "steps a drawn multiplier is held; 0 holds it for the whole episode"},
    {"train", "lr", KT_REAL, OFF(train.lr), "3e-3", 0, 10, 1, 0, NULL, "Adam learning rate"},
    {"train", "lr_final", KT_REAL, OFF(train.lr_final), "-1", -1, 10, 0, 0, NULL,
     "learning rate reached linearly at the last iteration (then train.lr_halflife is not "
     "used); -1: none"},
    {"train", "lr_halflife", KT_REAL, OFF(train.lr_halflife), "150", 0, 1e9, 0, 0, NULL,
     "the learning rate halves every this many iterations (3e-3 to 7.5e-4 over 300); unlike "
     "lr_final it does not depend on train.iterations, so --resume to more iterations is "
     "exact; 0 keeps train.lr constant"},
    {"train", "epochs", KT_INT, OFF(train.epochs), "4", 1, 1000, 0, 0, NULL,
     "passes over each iteration's samples"},
    {"train", "minibatches", KT_INT, OFF(train.minibatches), "8", 1, 1e6, 0, 0, NULL,
     "minibatches per epoch (each agent's copies x horizon samples are split evenly)"},
    {"train", "gamma", KT_REAL, OFF(train.gamma), "0.99", 0, 1, 0, 0, NULL,
     "discount factor; pending demand costs kappa / (1 - gamma) per kWh if never served, "
     "which must exceed price + lambda_max for serving to pay at every multiplier"},
    {"train", "gae_lambda", KT_REAL, OFF(train.gae_lambda), "0.95", 0, 1, 0, 0, NULL, "GAE lambda"},
    {"train", "clip", KT_REAL, OFF(train.clip), "0.2", 0, 10, 1, 0, NULL, "PPO ratio clip epsilon"},
    {"train", "entropy", KT_REAL, OFF(train.entropy), "0.001", 0, 100, 0, 0, NULL,
     "entropy bonus coefficient"},
    {"train", "value_coef", KT_REAL, OFF(train.value_coef), "0.5", 0, 100, 0, 0, NULL,
     "value loss coefficient"},
    {"train", "reward_scale", KT_ENUM, OFF(train.reward_scale), "agent", 0, 0, 0, 0, "agent|none",
     "agent: the trainers learn each agent's rewards divided by its scale (the environment's "
     "a_i), so large and small agents fit values of one size at one rate; returns are still "
     "reported in $; none: the rewards as they are"},
    {"train", "value_norm", KT_BOOL, OFF(train.value_norm), "true", 0, 0, 0, 0, NULL,
     "ppo: each network's value head learns its targets standardised by a running mean and sd "
     "of its own returns, rescaled when they move so that its values are kept (PopArt); false: "
     "the raw returns"},
    {"train", "max_grad_norm", KT_REAL, OFF(train.max_grad_norm), "0", 0, 1e9, 0, 0, NULL,
     "clip each gradient to this 2-norm before the Adam step; 0 does not clip"},
    {"train", "eval_lambdas", KT_STR, OFF(train.eval_lambdas), "0,0.2,0.5,1", 0, 0, 0, 0, NULL,
     "fixed multipliers at which progress lines and the training curve report the "
     "augmented return per agent per step"},
    {"train", "eval_every", KT_INT, OFF(train.eval_every), "10", 0, 1e9, 0, 0, NULL,
     "evaluate at train.eval_lambdas every M iterations (and at the last); 0 only at the last"},
    {"train", "eval_copies", KT_INT, OFF(train.eval_copies), "8", 1, 65536, 0, 0, NULL,
     "copies per agent in those evaluations"},
    {"train", "critic_hidden", KT_INT, OFF(train.critic_hidden), "64", 1, 4096, 0, 0, NULL,
     "mappo-l: units in each of the centralised critic's two tanh hidden layers; "
     "scal-mappo-l, ippo-l, happo, mappo-l-local: of each agent's critics"},
    {"train", "critic_consensus", KT_INT, OFF(train.critic_consensus), "0", 0, 1000, 0, 0, NULL,
     "scal-mappo-l, ippo-l, happo, mappo-l-local, hatrpo, clip-happo, clip-hatrpo with a "
     "critic per agent: rounds of the engine's consensus on every agent's critic parameters "
     "after each update, with [faults] and consensus.aggregate (networked actor-critic, Zhang "
     "et al. 2018); 0: the critics stay each agent's own"},
    {"train", "dual_lr", KT_REAL, OFF(train.dual_lr), "0.1", 0, 1e6, 0, 0, NULL,
     "mappo-l: dual ascent step once per iteration, lambda = max(0, lambda + dual_lr (mean "
     "sum_i g_i - C) / N), starting from dual.lambda0; scal-mappo-l, ippo-l, mappo-l-local: each "
     "agent's "
     "lambda_i = max(0, lambda_i + dual_lr x its mean local cost over the iteration)"},
    {"train", "kappa", KT_INT, OFF(train.kappa), "1", 0, 8, 0, 0, NULL,
     "scal-mappo-l, happo: the actors and critics read the observations of the agents within "
     "kappa hops (one exchange per step over the kappa-hop halo); 0: own observation only; "
     "mappo-l-local: the actors (its critics read every agent)"},
    {"train", "kappa_input", KT_ENUM, OFF(train.kappa_input), "shellmean", 0, 0, 0, 0,
     "shellmean|slots",
     "how the kappa-hop input is built: own observation and the mean over each hop shell "
     "((kappa + 1) x the observation), or every neighbour's observation in (hop, gid) order in "
     "slots padded to the largest neighbourhood, with a mask"},
    {"train", "order", KT_ENUM, OFF(train.order), "random", 0, 0, 0, 0, "random|fixed|colour",
     "sequential trainers: the order agents update in each iteration, a permutation of all "
     "agents keyed by (run.seed, iteration), gid order, or colour: a variant, not the paper's "
     "scheme, in which the classes of a colouring of the 2 kappa-hop graph (agents that share "
     "no input) update in a keyed order, each class at once, the factor carried from class to "
     "class"},
    {"train", "lagrangian", KT_ENUM, OFF(train.lagrangian), "neighbourhood", 0, 0, 0, 0,
     "neighbourhood|own",
     "scal-mappo-l, ippo-l, mappo-l-local: what an agent's cost critic learns and its advantage "
     "subtracts: the "
     "costs of its whole neighbourhood priced by their multipliers, sum_{j in i and its "
     "neighbours} lambda_j c_j (the price of its usage in every constraint it enters, as in the "
     "localised policy gradient; one more exchange per step), or its own cost priced by its "
     "own multiplier, lambda_i c_i (measured not to converge on DR-net, docs/training.md)"},
    {"train", "factor", KT_ENUM, OFF(train.factor), "prod", 0, 0, 0, 0, "prod|clip1|none",
     "sequential trainers: each sample's weight in an agent's surrogate, the product of the "
     "ratios pi_new / pi_old of the agents updated before it (HAPPO), the same capped at 1 "
     "(seed 003's clip, torch.clamp(factor, max=1); clip-happo and clip-hatrpo always use it, "
     "the unclipped product carried on), or 1 (independent updates)"},
    {"train", "critic", KT_ENUM, OFF(train.critic), "local", 0, 0, 0, 0, "local|factored|central",
     "scal-mappo-l, ippo-l, happo, hatrpo, clip-happo, clip-hatrpo, mappo-l-local: each agent's "
     "actor learns from its own reward critic's advantage (local), or from the team's: "
     "factored, (1/N) sum_i A_i, the advantage of the factored critic V = (1/N) sum_i V_i whose "
     "terms learn each agent's share of the team reward (exact when the team reward is the mean "
     "of the agents' rewards, as DR's; one exact all-reduce of the samples per iteration), or "
     "central (happo, hatrpo, clip-happo, clip-hatrpo: HAPPO's one critic on the global state, "
     "every agent's own observation all-gathered, trained on the team reward; O(N) inputs); "
     "the team reward is the mean of the rewards the trainer learns (each divided by its "
     "agent's scale under train.reward_scale = agent)"},
    {"train", "kl_threshold", KT_REAL, OFF(train.kl_threshold), "0.01", 1e-8, 10, 0, 0, NULL,
     "hatrpo, clip-hatrpo: the trust region's radius delta, the largest mean KL(pi_old || pi_new) "
     "a step may take (HARL's kl_threshold)"},

    {"eval", "lambdas", KT_STR, OFF(eval.lambdas), "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1", 0, 0,
     0, 0, NULL, "samarl eval: the fixed multipliers to evaluate (--lambda overrides)"},
    {"eval", "copies", KT_INT, OFF(eval.copies), "16", 1, 65536, 0, 0, NULL,
     "samarl eval: copies of each agent's environment (same noise for every policy)"},
    {"eval", "steps", KT_INT, OFF(eval.steps), "0", 0, 1e9, 0, 0, NULL,
     "samarl eval: steps per evaluation; 0 means one episode of env.horizon"},
    {"eval", "greedy", KT_BOOL, OFF(eval.greedy), "false", 0, 0, 0, 0, NULL,
     "samarl eval: take each policy's most likely action instead of sampling"},

    {"dual", "weights", KT_ENUM, OFF(dual.weights), "metropolis", 0, 0, 0, 0,
     "metropolis|maxdegree",
     "consensus weights: Metropolis-Hastings 1/(1+max(d_i,d_j)), or 1/(1+d_max)"},
    {"dual", "share", KT_ENUM, OFF(dual.share), "demand", 0, 0, 0, 0, "demand|equal",
     "each agent's share of capacity in consensus and tracking: in proportion to its demand "
     "scale (demand), or C/N each (equal, the paper's)"},
    {"dual", "mixing", KT_ENUM, OFF(dual.mixing), "plain", 0, 0, 0, 0, "plain|weighted",
     "consensus and tracking under dual.share = demand: plain dual.weights mixing, which keeps "
     "the plain mean, with steps u_i - s_i (plain); or mixing reweighted by the shares nu_i, "
     "which keeps the nu-weighted mean, with steps (u_i - s_i) / nu_i (weighted)"},
    {"dual", "mode", KT_STR, OFF(dual.mode), "consensus", 0, 0, 0, 0, NULL,
     "how agents set their multipliers: dual step + K consensus rounds on the unprojected "
     "multiplier (consensus), the paper's rule as written (consensus-paper), plus gradient "
     "tracking of the slack (tracking), the same by push-sum with running sums, which lost "
     "messages delay but do not change (tracking-ratio), own slack only (local), one exact global "
     "multiplier "
     "(central, the oracle), one global multiplier from a k-sample's usage (sampled, "
     "dual.sample_k), local dual ascent on a local cost at the neighbourhood's price "
     "(feeder, env.name = drnet), the same on the own multiplier (local-cost), dual.lambda0 "
     "always (fixed), or 0 (none); 'samarl list' "
     "explains each"},
    {"dual", "eta", KT_REAL, OFF(dual.eta), "0.01", 0, 1e6, 1, 0, NULL,
     "dual step size: mu_i += eta (u_i - s_i), u_i the mean usage over the epoch, s_i its "
     "share of capacity (divided by the share weight nu_i under dual.mixing = weighted); in "
     "$/kWh per kWh"},
    {"dual", "sample_k", KT_INT, OFF(dual.sample_k), "100", 1, 100000, 0, 0, NULL,
     "dual.mode = sampled: the households a price-setting aggregator samples each epoch, "
     "without replacement (at most the number of agents); it steps the one global multiplier "
     "on N / k times their usage"},
    {"dual", "epoch", KT_INT, OFF(dual.epoch), "1", 1, 1e9, 0, 0, NULL,
     "steps per dual epoch T0: one dual step (and K rounds) every T0 steps"},
    {"dual", "rounds", KT_INT, OFF(dual.rounds), "5", 0, 1e6, 0, 0, NULL,
     "consensus rounds K per dual epoch (one halo exchange each)"},
    {"dual", "lambda0", KT_REAL, OFF(dual.lambda0), "0", 0, 1e6, 0, 0, NULL,
     "initial multiplier of every agent ($/kWh), and the constant one in mode fixed"},
    {"dual", "start", KT_ENUM, OFF(dual.start), "lambda0", 0, 0, 0, 0, "lambda0|policy",
     "where each agent's multiplier starts: dual.lambda0 (lambda0), or the multiplier its "
     "trainer left for it in the --policy file's /lambda_local (policy; train.algo = "
     "scal-mappo-l, ippo-l, mappo-l-local), then held (dual.mode = fixed) or moved by "
     "local-cost or feeder"},

    {"output", "agents", KT_STR, OFF(output.agents), "all", 0, 0, 0, 0, NULL,
     "which agents' trajectories /traj holds: all, none, or every:M (gids 0, M, 2M, ...)"},
    {"output", "every", KT_INT, OFF(output.every), "1", 1, 1e9, 0, 0, NULL,
     "record every S-th step in /traj (the /series scalars keep every step)"},
    {"output", "buffer", KT_INT, OFF(output.buffer), "24", 1, 1e6, 0, 0, NULL,
     "at most this many recorded steps buffered per collective write (and the chunk height)"},
    {"output", "compress", KT_INT, OFF(output.compress), "0", 0, 9, 0, 0, NULL,
     "gzip level of /traj (0: none); written collectively by every rank"},
    {"output", "buffer_mb", KT_REAL, OFF(output.buffer_mb), "16", 0, 1e6, 0, 0, NULL,
     "trajectory buffer over all ranks in MiB: fewer steps are buffered when output.buffer "
     "steps of every recorded agent would not fit (at least one step)"},

    {"consensus", "rounds", KT_INT, OFF(consensus.rounds), "200", 0, 1e9, 0, 0, NULL,
     "samarl consensus: averaging rounds to run"},
    {"consensus", "report_every", KT_INT, OFF(consensus.report_every), "10", 1, 1e9, 0, 0, NULL,
     "samarl consensus: print and record the disagreement every M rounds"},
    {"consensus", "init", KT_ENUM, OFF(consensus.init), "uniform", 0, 0, 0, 0, "uniform|normal",
     "samarl consensus: initial values, U(0,1) or N(0,1), keyed by (run.seed, gid)"},
    {"consensus", "sigma_iters", KT_INT, OFF(consensus.sigma_iters), "2000", 0, 1e9, 0, 0, NULL,
     "Lanczos steps (one product with W each) to estimate sigma = max |eigenvalue of W - J| (0 "
     "skips the estimate)"},
    {"consensus", "sigma_tol", KT_REAL, OFF(consensus.sigma_tol), "1e-9", 0, 1, 1, 1, NULL,
     "the sigma estimate stops when its Ritz residual is below sigma_tol * sigma"},
    {"consensus", "aggregate", KT_STR, OFF(consensus.aggregate), "mean", 0, 0, 0, 0, NULL,
     "how a receiver combines its neighbours' values in each round: mean (the weighted "
     "average), trimmed:F (W-MSR: drop the F largest values above its own and the F smallest "
     "below it, then the weighted average of the rest), median (of its own and the "
     "received values), or mtm:Q (modified trimmed mean: drop the received values farther "
     "than Q median absolute deviations from the median of its own and the received ones, "
     "then the weighted average of the rest; e.g. mtm:3); trimmed:F withstands up to F "
     "misbehaving neighbours, median and mtm:Q any minority of them (faults.byzantine)"},

    {"faults", "link_drop", KT_REAL, OFF(faults.link_drop), "0", 0, 1, 0, 0, NULL,
     "consensus rounds: probability that a message (one agent's value to one neighbour in one "
     "round) is lost, drawn from (run.seed, sender, receiver, round); receivers renormalise "
     "their weights over what arrived (faults.link_mode = message), or a link's exchange fails "
     "both ways (link)"},
    {"faults", "link_mode", KT_ENUM, OFF(faults.link_mode), "message", 0, 0, 0, 0, "message|link",
     "what faults.link_drop and agent_dropout lose: each message on its own, the receiver "
     "renormalising its weights over what arrived (message), or a link's exchange in both "
     "directions at once, its weight staying on each end's own value (link: every exchange "
     "stays pairwise symmetric, so the network's sum is kept and dual.mode = tracking "
     "survives the losses)"},
    {"faults", "agent_dropout", KT_REAL, OFF(faults.agent_dropout), "0", 0, 1, 0, 1, NULL,
     "consensus rounds: probability that an agent is silent (sends and receives nothing, keeps "
     "its value) for a window of faults.dropout_rounds rounds, drawn from (run.seed, gid, window)"},
    {"faults", "dropout_rounds", KT_INT, OFF(faults.dropout_rounds), "20", 1, 1e9, 0, 0, NULL,
     "consensus rounds per dropout window (rounds are numbered across the whole run)"},
    {"faults", "stale", KT_REAL, OFF(faults.stale), "0", 0, 1, 0, 0, NULL,
     "consensus rounds: probability that a received message carries the sender's value of the "
     "round before (1: always one round late; the first round of each dual epoch or call has "
     "no round before)"},
    {"faults", "byzantine", KT_REAL, OFF(faults.byzantine), "0", 0, 1, 0, 1, NULL,
     "consensus rounds: share of agents that misbehave, each drawn once from (run.seed, gid): "
     "they send faults.byzantine_mode values to their neighbours instead of their own"},
    {"faults", "byzantine_mode", KT_ENUM, OFF(faults.byzantine_mode), "constant", 0, 0, 0, 0,
     "constant|sign-flip|noise",
     "what a misbehaving agent sends: faults.byzantine_value (constant), minus its value "
     "(sign-flip), or its value plus N(0, faults.byzantine_value^2) noise drawn from (run.seed, "
     "gid, round) (noise)"},
    {"faults", "byzantine_agents", KT_STR, OFF(faults.byzantine_agents), "", 0, 0, 0, 0, NULL,
     "consensus rounds: agents (gids, comma-separated, at most 64) that misbehave, beside any "
     "that faults.byzantine draws: a targeted attack, e.g. exactly one liar"},
    {"faults", "byzantine_value", KT_REAL, OFF(faults.byzantine_value), "10", -1e9, 1e9, 0, 0, NULL,
     "the value a constant misbehaving agent sends, or the noise's standard deviation"},
};
static const char *const builtin_sections[] = {"run",  "graph",     "partition", "halo",
                                               "env",  "policy",    "train",     "eval",
                                               "dual", "consensus", "faults",    "output"};

/* The key table and the sections: the built-in ones, then the registered
 * sections' (config_register_section), in registration order. */
static const key_spec_t *keys = builtin_keys;
static int n_keys = (int)(sizeof builtin_keys / sizeof builtin_keys[0]);
static const char *const *sections = builtin_sections;
static int n_sections = (int)(sizeof builtin_sections / sizeof builtin_sections[0]);
static const int n_builtin = (int)(sizeof builtin_keys / sizeof builtin_keys[0]);
static int *key_block;   /* [n_keys] registered section k + 1 of each key past the built-in */
static size_t *ext_size; /* [n_ext] the registered sections' struct sizes */
static int n_ext;
static int configs_made; /* sections are registered before the first config_t */
#define N_KEYS n_keys
#define N_SECTIONS n_sections

/* The struct key i's value lives in: 0 for config_t, k + 1 for registered
 * section k. */
static int block_of(int i)
{
    return i < n_builtin ? 0 : key_block[i];
}

/* Where key k (an entry of keys[]) has its value in cfg. */
static char *key_base(const config_t *cfg, const key_spec_t *k)
{
    const int b = block_of((int)(k - keys));
    return (b ? (char *)cfg->ext[b - 1] : (char *)cfg) + k->off;
}

/* ---- small helpers --------------------------------------------------------- */

/* Keys whose values are file paths (config_parse_ini resolves them). */
static int is_path_key(const key_spec_t *k)
{
    static const char *const paths[][2] = {
        {"graph", "path"}, {"partition", "file"}, {"env", "nodes"}, {"env", "profiles"}};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strcmp(k->section, paths[i][0]) == 0 && strcmp(k->name, paths[i][1]) == 0) return 1;
    return 0;
}

static int find_key(const char *section, const char *name)
{
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0) return i;
    return -1;
}

static int known_section(const char *s)
{
    for (int i = 0; i < N_SECTIONS; i++)
        if (strcmp(sections[i], s) == 0) return 1;
    return 0;
}

/* Where a comment starts in s[0, len): ';' or '#' at the start or after a
 * blank (inih's inline ';', and '#' as line_reader treats it); len if none. */
static size_t comment_start(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((s[i] == ';' || s[i] == '#') && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
            return i;
    return len;
}

/* " (did you mean 'x'?)" for a near miss, else the list of accepted names. */
static void suggest_key(const char *section, const char *name, char *out, size_t n)
{
    int best = -1, bestd = 3;
    for (int i = 0; i < N_KEYS; i++) {
        int dd = str_edit_distance(name, keys[i].name) + (strcmp(keys[i].section, section) != 0);
        if (dd < bestd) {
            bestd = dd;
            best = i;
        }
    }
    if (best >= 0) {
        snprintf(out, n, " (did you mean [%s] %s?)", keys[best].section, keys[best].name);
        return;
    }
    size_t used = (size_t)snprintf(out, n, " (keys of [%s]:", section);
    for (int i = 0; i < N_KEYS && used < n; i++)
        if (strcmp(keys[i].section, section) == 0)
            used += (size_t)snprintf(out + used, n - used, " %s", keys[i].name);
    if (used < n) snprintf(out + used, n - used, ")");
}

static void suggest_section(const char *s, char *out, size_t n)
{
    for (int i = 0; i < N_SECTIONS; i++)
        if (str_edit_distance(s, sections[i]) <= 2) {
            snprintf(out, n, " (did you mean [%s]?)", sections[i]);
            return;
        }
    size_t used = (size_t)snprintf(out, n, " (sections:");
    for (int i = 0; i < N_SECTIONS && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, " [%s]", sections[i]);
    if (used < n) snprintf(out + used, n - used, ")");
}

/* "[1, 2147483647]" or "(0, 1]" */
static void range_text(const key_spec_t *k, char *out, size_t n)
{
    snprintf(out, n, "%c%.10g, %.10g%c", k->min_open ? '(' : '[', k->min, k->max,
             k->max_open ? ')' : ']');
}

/* What a key accepts, for messages and the key listing. */
static void expected_text(const key_spec_t *k, char *out, size_t n)
{
    char r[96];
    switch (k->type) {
    case KT_INT:
        range_text(k, r, sizeof r);
        snprintf(out, n, "an integer in %s", r);
        break;
    case KT_U64:
        snprintf(out, n, "an integer in [0, 18446744073709551615] (decimal, or hex with 0x)");
        break;
    case KT_REAL:
        range_text(k, r, sizeof r);
        snprintf(out, n, "a number in %s", r);
        break;
    case KT_BOOL:
        snprintf(out, n, "true or false");
        break;
    case KT_ENUM:
        snprintf(out, n, "one of %s", k->choices);
        break;
    case KT_STR:
        snprintf(out, n, "a string");
        break;
    }
}

static int in_range(const key_spec_t *k, double v)
{
    if (k->min_open ? !(v > k->min) : !(v >= k->min)) return 0;
    if (k->max_open ? !(v < k->max) : !(v <= k->max)) return 0;
    return 1;
}

static int enum_index(const char *choices, const char *v)
{
    size_t lv = strlen(v);
    int idx = 0;
    for (const char *c = choices; *c; idx++) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == lv && strncmp(c, v, len) == 0) return idx;
        if (!bar) break;
        c = bar + 1;
    }
    return -1;
}

static int enum_name(const char *choices, int idx, char *out, size_t n)
{
    const char *c = choices;
    for (int i = 0; i < idx && c; i++) {
        c = strchr(c, '|');
        if (c) c++;
    }
    if (!c) return -1;
    const char *bar = strchr(c, '|');
    size_t len = bar ? (size_t)(bar - c) : strlen(c);
    if (len >= n) len = n - 1;
    memcpy(out, c, len);
    out[len] = '\0';
    return 0;
}

/* Parse v as key k's type into cfg; on failure store "expected ..." text. */
static int parse_value(config_t *cfg, const key_spec_t *k, const char *v, char *why, size_t nwhy)
{
    char *base = key_base(cfg, k), *end = NULL;
    char exp[160];
    expected_text(k, exp, sizeof exp);
    switch (k->type) {
    case KT_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (*v && *end == '\0' && errno == 0) {
            if (!in_range(k, (double)x)) break;
            *(int64_t *)base = x;
            return 0;
        }
        /* Accept exact integers written as 1e6 or 2.0e5. */
        errno = 0;
        double d = strtod(v, &end);
        if (*v && *end == '\0' && errno == 0 && isfinite(d) && d == floor(d) && fabs(d) < I64MAX &&
            in_range(k, d)) {
            *(int64_t *)base = (int64_t)d;
            return 0;
        }
        break;
    }
    case KT_U64: {
        errno = 0;
        if (*v == '-') break;
        /* Decimal, or hex with 0x; never octal, where "010" would quietly
         * mean 8 and "08" would be refused. */
        int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
        unsigned long long x = strtoull(v, &end, hex ? 16 : 10);
        if (*v && *end == '\0' && errno == 0) {
            *(uint64_t *)base = x;
            return 0;
        }
        break;
    }
    case KT_REAL: {
        errno = 0;
        double d = strtod(v, &end);
        if (*v && *end == '\0' && errno == 0 && isfinite(d) && in_range(k, d)) {
            // cppcheck-suppress invalidPointerCast ; base is &cfg->(a double member)
            *(double *)base = d;
            return 0;
        }
        break;
    }
    case KT_BOOL: {
        static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(v, yes[i]) == 0) {
                *(int *)base = 1;
                return 0;
            }
            if (strcasecmp(v, no[i]) == 0) {
                *(int *)base = 0;
                return 0;
            }
        }
        break;
    }
    case KT_ENUM: {
        int idx = enum_index(k->choices, v);
        if (idx >= 0) {
            *(int *)base = idx;
            return 0;
        }
        break;
    }
    case KT_STR: {
        /* Refuse what config_format could not write back as the same value:
         * the recorded config must not lie about what ran. */
        size_t lv = strlen(v), c = comment_start(v, lv);
        for (size_t i = 0; i < lv; i++)
            if ((unsigned char)v[i] < 0x20 ? v[i] != '\t' : v[i] == 0x7f) {
                snprintf(why, nwhy, "expected a string without control characters");
                return -1;
            }
        if (c < lv) {
            snprintf(why, nwhy,
                     "expected a string without ';' or '#' at its start or after a blank (they "
                     "would start a comment when the config is read back), got '%s'",
                     v);
            return -1;
        }
        if (lv > CONFIG_VALUE_MAX) {
            snprintf(why, nwhy, "expected a string of at most %d characters, got %zu",
                     CONFIG_VALUE_MAX, lv);
            return -1;
        }
        char **s = (char **)base;
        free(*s);
        *s = samarl_strdup(v);
        return 0;
    }
    }
    snprintf(why, nwhy, "expected %s, got '%s'", exp, v);
    return -1;
}

/* ---- parsing --------------------------------------------------------------- */

typedef struct {
    config_t *cfg;
    const char *path;
    const char *text; /* remaining input */
    int line;         /* line number of the line last handed to inih */
    int err_line;     /* first error found by us (0: none) */
    char err[1024];
    char **long_values; /* values too long for inih's line buffer */
    int n_long;
    int long_line; /* line whose value line_reader set aside (0: none) */
    char *base;    /* folder relative file paths resolve against (NULL: as written) */
} parse_state_t;

static void fail_at(parse_state_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_at(parse_state_t *st, const char *fmt, ...)
{
    if (st->err_line) return; /* keep the first error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    st->err_line = st->line;
}

/* Feeds inih one line at a time so that we know the line of every callback.
 * It also strips leading blanks (no continuation lines), drops '#' comments
 * after blanks, refuses over-long lines and checks section names (inih
 * reports a section only when it holds a key). */
static char *line_reader(char *str, int num, void *stream)
{
    parse_state_t *st = stream;
    if (!st->text || !*st->text) return NULL;
    const char *nl = strchr(st->text, '\n');
    size_t len = nl ? (size_t)(nl - st->text) : strlen(st->text);
    st->line++;
    const char *s = st->text;
    st->text = nl ? nl + 1 : s + len;
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    if (len && s[len - 1] == '\r') len--;
    if (len + 2 > (size_t)num) {
        /* A long comment (such as the origin note of an annotated config)
         * is harmless: keep what precedes it. */
        size_t c = comment_start(s, len);
        while (c > 0 && (s[c - 1] == ' ' || s[c - 1] == '\t')) c--;
        len = c;
    }
    size_t sep = strcspn(s, "=:");
    if (len + 2 > (size_t)num && s[0] != '[' && sep < len && sep + 16 < (size_t)num) {
        /* A long value (a deep path): keep it aside and let inih parse
         * "key = <mark>N"; on_key puts the value back. */
        const char *v = s + sep + 1, *e = s + len;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        st->long_values = xrealloc(st->long_values, sizeof(char *) * (size_t)(st->n_long + 1));
        char *val = xmalloc((size_t)(e - v) + 1);
        memcpy(val, v, (size_t)(e - v));
        val[e - v] = '\0';
        st->long_values[st->n_long] = val;
        st->long_line = st->line;
        memcpy(str, s, sep + 1);
        len = sep + 1 +
              (size_t)snprintf(str + sep + 1, (size_t)num - sep - 1, " %c%d", LONG_VALUE_MARK,
                               st->n_long);
        st->n_long++;
    } else {
        if (len + 2 > (size_t)num) {
            fail_at(st, "%s:%d: line too long (%zu characters, at most %d)", st->path, st->line,
                    len, num - 2);
            len = (size_t)num - 2;
        }
        memcpy(str, s, len);
    }
    str[len] = '\0';
    /* '#' starts a comment at the line start (inih) or after a blank (here). */
    for (size_t i = 1; i < len; i++)
        if (str[i] == '#' && (str[i - 1] == ' ' || str[i - 1] == '\t')) {
            str[i] = '\0';
            break;
        }
    if (str[0] == '[') {
        char *close = strchr(str, ']');
        if (close) {
            char name[128];
            size_t nl2 = (size_t)(close - str - 1);
            if (nl2 >= sizeof name) nl2 = sizeof name - 1;
            memcpy(name, str + 1, nl2);
            name[nl2] = '\0';
            /* trim */
            char *a = name;
            while (*a == ' ' || *a == '\t') a++;
            for (char *e = a + strlen(a); e > a && (e[-1] == ' ' || e[-1] == '\t');) *--e = '\0';
            if (!known_section(a)) {
                char hint[256];
                suggest_section(a, hint, sizeof hint);
                fail_at(st, "%s:%d: unknown section [%s]%s", st->path, st->line, a, hint);
            }
            /* inih ignores whatever follows ']', so "[graph] agents = 5"
             * would drop the key without a word. */
            const char *rest = close + 1;
            rest += strspn(rest, " \t");
            if (*rest && *rest != ';' && *rest != '#')
                fail_at(st,
                        "%s:%d: unexpected text '%s' after the section header [%s] (put each "
                        "key = value on its own line)",
                        st->path, st->line, rest, a);
            /* inih would keep the blanks of "[ graph ]" in the section name,
             * which then matches no section: hand it the trimmed name. */
            size_t la = strlen(a);
            memmove(str + 1, a, la);
            str[la + 1] = ']';
            str[la + 2] = '\0';
        }
    }
    strcat(str, "\n"); // NOLINT(*insecureAPI.strcpy): len <= num - 2 above, so it fits
    return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value
#if INI_HANDLER_LINENO
                  ,
                  int lineno
#endif
)
{
#if INI_HANDLER_LINENO
    (void)lineno;
#endif
    parse_state_t *st = user;
    if (!*section) {
        fail_at(st, "%s:%d: '%s' appears before any [section] header", st->path, st->line, name);
        return 0;
    }
    if (!known_section(section)) return 0; /* already reported by the reader */
    /* Only a placeholder line_reader made for this line: a value of the
     * file's own that starts with the mark byte is refused by parse_value
     * like any other control character. */
    if (value[0] == LONG_VALUE_MARK && st->long_line == st->line) {
        char *end;
        long k = strtol(value + 1, &end, 10);
        if (end != value + 1 && !*end && k >= 0 && k < st->n_long) value = st->long_values[k];
    }
    int i = find_key(section, name);
    if (i < 0) {
        char hint[512];
        suggest_key(section, name, hint, sizeof hint);
        fail_at(st, "%s:%d: unknown key '%s' in section [%s]%s", st->path, st->line, name, section,
                hint);
        return 0;
    }
    if (st->cfg->origin[i] > 0) {
        fail_at(st, "%s:%d: [%s] %s is set twice (first at line %d)", st->path, st->line, section,
                name, st->cfg->origin[i]);
        return 0;
    }
    char why[512];
    if (parse_value(st->cfg, &keys[i], value, why, sizeof why) != 0) {
        fail_at(st, "%s:%d: [%s] %s: %s", st->path, st->line, section, name, why);
        return 0;
    }
    char **s = (char **)key_base(st->cfg, &keys[i]);
    if (st->base && is_path_key(&keys[i]) && (*s)[0] && (*s)[0] != '/') {
        const char *sep = strcmp(st->base, "/") == 0 ? "" : "/";
        const size_t n = strlen(st->base) + strlen(sep) + strlen(*s) + 1;
        if (n - 1 > CONFIG_VALUE_MAX) {
            fail_at(st, "%s:%d: [%s] %s: '%s%s%s' is longer than %d characters", st->path, st->line,
                    section, name, st->base, sep, *s, CONFIG_VALUE_MAX);
            return 0;
        }
        char *full = xmalloc(n);
        snprintf(full, n, "%s%s%s", st->base, sep, *s);
        free(*s);
        *s = full;
    }
    st->cfg->origin[i] = st->line;
    return 1;
}

/* Copy [s, e) without surrounding blanks; -1 if it does not fit. */
static int copy_trimmed(const char *s, const char *e, char *out, size_t n)
{
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if ((size_t)(e - s) >= n) return -1;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return 0;
}

static int apply_override(config_t *cfg, const char *ov)
{
    const char *eq = strchr(ov, '=');
    const char *dot = strchr(ov, '.');
    if (!eq || !dot || dot > eq || dot == ov || dot + 1 == eq)
        return samarl_seterr(
            "--set '%s': expected section.key=value (e.g. --set graph.agents=5000)", ov);
    /* Blanks around names and value are dropped, as inih does in files. */
    char section[64], name[64];
    if (copy_trimmed(ov, dot, section, sizeof section) ||
        copy_trimmed(dot + 1, eq, name, sizeof name))
        return samarl_seterr("--set '%s': section or key name too long", ov);
    size_t lv = strlen(eq + 1);
    char *value = xmalloc(lv + 1);
    copy_trimmed(eq + 1, eq + 1 + lv, value, lv + 1);
    int rc = SAMARL_OK;
    if (!known_section(section)) {
        char hint[256];
        suggest_section(section, hint, sizeof hint);
        rc = samarl_seterr("--set '%s': unknown section [%s]%s", ov, section, hint);
    } else {
        int i = find_key(section, name);
        char why[512];
        if (i < 0) {
            char hint[512];
            suggest_key(section, name, hint, sizeof hint);
            rc = samarl_seterr("--set '%s': unknown key '%s' in section [%s]%s", ov, name, section,
                               hint);
        } else if (parse_value(cfg, &keys[i], value, why, sizeof why) != 0) {
            rc = samarl_seterr("--set %s.%s: %s", section, name, why);
        } else {
            cfg->origin[i] = -1;
        }
    }
    free(value);
    return rc;
}

static void value_text(const config_t *cfg, const key_spec_t *k, char *out, size_t n);

/* Where a key's value came from, for messages: "cfg.ini:12", "--set", "default". */
static void origin_text(const config_t *cfg, int i, char *out, size_t n)
{
    if (cfg->origin[i] > 0)
        snprintf(out, n, "%s:%d", cfg->path ? cfg->path : "(config)", cfg->origin[i]);
    else if (cfg->origin[i] == CONFIG_ORIGIN_INHERITED)
        snprintf(out, n, "from %s", cfg->inherited_from ? cfg->inherited_from : "a stored config");
    else if (cfg->origin[i] < 0)
        snprintf(out, n, "--set %s.%s", keys[i].section, keys[i].name);
    else
        snprintf(out, n, "default");
}

/* sec.key (a string) must be non-empty because of the enum key `because`
 * ("graph.type"); the message says where that key was set. */
static int require(const config_t *cfg, const char *sec, const char *key, const char *because_sec,
                   const char *because_key)
{
    int i = find_key(sec, key), j = find_key(because_sec, because_key);
    SAMARL_ASSERT(i >= 0 && j >= 0 && keys[j].type == KT_ENUM);
    const char *v = *(char *const *)key_base(cfg, &keys[i]);
    if (v && *v) return SAMARL_OK;
    char val[64], org[600];
    value_text(cfg, &keys[j], val, sizeof val);
    origin_text(cfg, j, org, sizeof org);
    return samarl_seterr("[%s] %s is required when %s.%s = %s (set at %s)", sec, key, because_sec,
                         because_key, val, org);
}

int config_parse_list(const char *text, double *out, int max, int *n)
{
    *n = 0;
    const char *p = text;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return samarl_seterr("an empty list (expected numbers separated by commas)");
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v))
            return samarl_seterr("'%.40s' is not a number (expected numbers separated by commas)",
                                 p);
        if (*n == max) return samarl_seterr("more than %d values", max);
        out[(*n)++] = v;
        p = end;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) return SAMARL_OK;
        if (*p != ',')
            return samarl_seterr("unexpected '%c' after %g (expected numbers separated by commas)",
                                 *p, v);
        p++;
    }
}

/* A list-valued key: parse it, check each value, say where it was set. */
static int check_list(const config_t *cfg, const char *sec, const char *key, int min_n, int max_n,
                      double lo, int increasing)
{
    int i = find_key(sec, key);
    SAMARL_ASSERT(i >= 0 && keys[i].type == KT_STR);
    const char *v = *(char *const *)key_base(cfg, &keys[i]);
    double x[CONFIG_LIST_MAX];
    int n;
    char org[600];
    origin_text(cfg, i, org, sizeof org);
    if (config_parse_list(v, x, max_n, &n) != SAMARL_OK)
        return samarl_seterr("[%s] %s = '%s' (%s): %s", sec, key, v, org, samarl_errmsg());
    if (n < min_n)
        return samarl_seterr("[%s] %s = '%s' (%s): %d value(s), expected at least %d", sec, key, v,
                             org, n, min_n);
    for (int k = 0; k < n; k++) {
        if (x[k] < lo)
            return samarl_seterr("[%s] %s = '%s' (%s): %g is below %g", sec, key, v, org, x[k], lo);
        if (increasing && k > 0 && x[k] <= x[k - 1])
            return samarl_seterr("[%s] %s = '%s' (%s): values must increase (%g after %g)", sec,
                                 key, v, org, x[k], x[k - 1]);
    }
    return SAMARL_OK;
}

/* Checks that involve more than one key. */
static int validate(config_t *cfg)
{
    if (!config_is_set(cfg, "graph", "seed")) cfg->graph.seed = cfg->run.seed;
    if (!config_is_set(cfg, "partition", "seed")) cfg->partition.seed = cfg->run.seed;
    if (cfg->graph.type == GRAPH_FILE && require(cfg, "graph", "path", "graph", "type"))
        return SAMARL_ERR;
    if (cfg->partition.method == PARTITION_FILE &&
        require(cfg, "partition", "file", "partition", "method"))
        return SAMARL_ERR;
    if (check_list(cfg, "env", "levels", 2, 16, 0, 1) ||
        check_list(cfg, "train", "eval_lambdas", 1, CONFIG_LIST_MAX, 0, 0) ||
        check_list(cfg, "eval", "lambdas", 1, CONFIG_LIST_MAX, 0, 0))
        return SAMARL_ERR;
    if (cfg->env.beta_min > cfg->env.beta_max)
        return samarl_seterr("[env] beta_min = %g is above beta_max = %g", cfg->env.beta_min,
                             cfg->env.beta_max);
    if (cfg->env.peak_start > cfg->env.peak_end)
        return samarl_seterr("[env] peak_start = %" PRId64 " is after peak_end = %" PRId64
                             " (the peak is the hours peak_start <= h < peak_end)",
                             cfg->env.peak_start, cfg->env.peak_end);
    {
        int kernel;
        if (cpu_kernel_resolve(cfg->policy.kernel, &kernel))
            return samarl_adderr("[policy] kernel: ");
    }
    /* config_defaults sets every string key (the analyzer cannot see that
     * the key table is not empty). */
    if (cfg->output.compress > 0 && cfg->run.checkpoint_every > 0)
        return samarl_seterr(
            "output.compress = %" PRId64 " with run.checkpoint_every = %" PRId64
            ": a compressed /traj rewrites its chunk index as it grows, so a killed run's file "
            "could not be continued (expected output.compress = 0 when checkpointing)",
            cfg->output.compress, cfg->run.checkpoint_every);
    if (!cfg->env.nodes_column[0]) // NOLINT(clang-analyzer-core.NullDereference)
        return samarl_seterr("[env] nodes_column is empty (expected a column name, e.g. pd_mw)");
    {
        const char *a = cfg->output.agents;
        char *end = NULL;
        if (strcmp(a, "all") == 0) {
            cfg->output.agent_step = 1;
        } else if (strcmp(a, "none") == 0) {
            cfg->output.agent_step = 0;
        } else if (strncmp(a, "every:", 6) == 0 &&
                   (cfg->output.agent_step = strtoll(a + 6, &end, 10)) >= 1 && *end == '\0' &&
                   cfg->output.agent_step <= INT32_MAX) {
            /* every:M; M up to the most agents, so that N + M - 1 cannot overflow */
        } else {
            char org[600];
            origin_text(cfg, find_key("output", "agents"), org, sizeof org);
            return samarl_seterr("[output] agents = '%s' (%s): expected all, none or every:M "
                                 "with an integer M in [1, 2147483647]",
                                 a, org);
        }
    }
    {
        const char *a = cfg->consensus.aggregate;
        char *end = NULL;
        cfg->consensus.trim = 0;
        cfg->consensus.mtm_q = 0;
        if (strcmp(a, "mean") == 0) {
            cfg->consensus.aggregate_rule = 0;
        } else if (strcmp(a, "median") == 0) {
            cfg->consensus.aggregate_rule = 2;
        } else if (strncmp(a, "trimmed:", 8) == 0 &&
                   (cfg->consensus.trim = strtoll(a + 8, &end, 10)) >= 0 && *end == '\0' &&
                   end != a + 8 && cfg->consensus.trim <= 1000000) {
            cfg->consensus.aggregate_rule = 1;
        } else if (strncmp(a, "mtm:", 4) == 0 && (cfg->consensus.mtm_q = strtod(a + 4, &end)) > 0 &&
                   *end == '\0' && end != a + 4 && cfg->consensus.mtm_q <= 1e6) {
            cfg->consensus.aggregate_rule = 3;
        } else {
            char org[600];
            origin_text(cfg, find_key("consensus", "aggregate"), org, sizeof org);
            return samarl_seterr("[consensus] aggregate = '%s' (%s): expected mean, median, "
                                 "trimmed:F with an integer F in [0, 1000000] or mtm:Q with a "
                                 "number Q in (0, 1e6]",
                                 a, org);
        }
    }
    { /* faults.byzantine_agents: gids, ascending, each below graph.agents for a generated graph */
        const char *a = cfg->faults.byzantine_agents ? cfg->faults.byzantine_agents : "";
        int n = 0, bad = 0;
        while (*a && !bad) {
            char *end = NULL;
            const long long g = strtoll(a, &end, 10);
            bad = end == a || g < 0 || n == CONFIG_BYZANTINE_MAX ||
                  (cfg->graph.type != GRAPH_FILE && g >= cfg->graph.agents) ||
                  (*end != ',' && *end != '\0');
            if (!bad) {
                int k = n++;
                while (k > 0 && cfg->faults.byz_gids[k - 1] > g) {
                    cfg->faults.byz_gids[k] = cfg->faults.byz_gids[k - 1];
                    k--;
                }
                cfg->faults.byz_gids[k] = g;
                a = *end == ',' ? end + 1 : end;
            }
        }
        if (bad) {
            char org[600];
            origin_text(cfg, find_key("faults", "byzantine_agents"), org, sizeof org);
            return samarl_seterr("[faults] byzantine_agents = '%s' (%s): expected at most %d "
                                 "comma-separated agent gids in [0, graph.agents = %" PRId64 ")",
                                 cfg->faults.byzantine_agents, org, CONFIG_BYZANTINE_MAX,
                                 cfg->graph.agents);
        }
        cfg->faults.n_byz_gids = n;
    }
    cfg->run.n_steps = cfg->run.steps > 0 ? cfg->run.steps : (int64_t)llround(cfg->run.days * 24.0);
    if (cfg->run.n_steps < 1)
        return samarl_seterr("[run] days = %g gives no whole step (expected at least 1/24)",
                             cfg->run.days);
    /* Fault draws index consensus rounds with the 48-bit Philox step. */
    const int64_t epochs = cfg->run.n_steps / cfg->dual.epoch; /* whole epochs only */
    if ((cfg->faults.link_drop > 0 || cfg->faults.agent_dropout > 0 || cfg->faults.stale > 0) &&
        (double)epochs * (double)cfg->dual.rounds >= 0x1p48)
        return samarl_seterr("[faults] are drawn per consensus round, and run.steps / dual.epoch "
                             "x dual.rounds = %.4g rounds exceeds the 2^48 the draws can number",
                             (double)epochs * (double)cfg->dual.rounds);
    /* Samples are counted in 32-bit integers. */
    if (cfg->train.copies * cfg->env.horizon > 2147483647)
        return samarl_seterr("[train] copies x [env] horizon = %" PRId64 " x %" PRId64
                             " samples per agent and iteration, more than 2147483647 (lower "
                             "train.copies or env.horizon)",
                             cfg->train.copies, cfg->env.horizon);
    if (cfg->train.minibatches > cfg->train.copies * cfg->env.horizon)
        return samarl_seterr("[train] minibatches = %" PRId64 " exceeds the %" PRId64
                             " samples per agent and iteration (train.copies x env.horizon)",
                             cfg->train.minibatches, cfg->train.copies * cfg->env.horizon);
    return SAMARL_OK;
}

void config_defaults(config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    configs_made = 1;
    cfg->origin = XZNEW(int, n_keys);
    cfg->ext = XZNEW(void *, n_ext > 0 ? n_ext : 1);
    for (int k = 0; k < n_ext; k++) cfg->ext[k] = xcalloc(1, ext_size[k] > 0 ? ext_size[k] : 1);
    for (int i = 0; i < N_KEYS; i++) {
        char why[256];
        if (!keys[i].def) continue;
        if (parse_value(cfg, &keys[i], keys[i].def, why, sizeof why) != 0)
            SAMARL_FATAL("built-in default of %s.%s is invalid: %s", keys[i].section, keys[i].name,
                         why);
    }
    cfg->graph.seed = cfg->run.seed;
    cfg->partition.seed = cfg->run.seed;
}

static int parse_text(config_t *cfg, const char *path, const char *text, char *const *overrides,
                      int n_overrides, int resolve)
{
    config_defaults(cfg);
    if (path) cfg->path = samarl_strdup(path);
    if (text) {
        parse_state_t st = {.cfg = cfg, .path = path ? path : "(config)", .text = text};
        const char *slash = resolve && path ? strrchr(path, '/') : NULL;
        if (slash) {
            const size_t n = slash == path ? 1 : (size_t)(slash - path);
            st.base = xmalloc(n + 1);
            memcpy(st.base, path, n);
            st.base[n] = '\0';
        }
        /* Skip a UTF-8 byte-order mark. */
        if ((unsigned char)st.text[0] == 0xEF && (unsigned char)st.text[1] == 0xBB &&
            (unsigned char)st.text[2] == 0xBF)
            st.text += 3;
        int rc = ini_parse_stream(line_reader, &st, on_key, &st);
        for (int i = 0; i < st.n_long; i++) free(st.long_values[i]);
        free(st.long_values);
        free(st.base);
        if (rc == -2) SAMARL_FATAL("out of memory parsing %s", st.path);
        if (st.err_line && (rc <= 0 || st.err_line <= rc)) return samarl_seterr("%s", st.err);
        if (rc > 0)
            return samarl_seterr("%s:%d: syntax error: expected '[section]', 'key = value' or a "
                                 "comment (';' or '#')",
                                 st.path, rc);
    }
    for (int i = 0; i < n_overrides; i++)
        if (apply_override(cfg, overrides[i]) != SAMARL_OK) return SAMARL_ERR;
    return validate(cfg);
}

int config_parse(config_t *cfg, const char *path, const char *text, char *const *overrides,
                 int n_overrides)
{
    return parse_text(cfg, path, text, overrides, n_overrides, 0);
}

int config_parse_ini(config_t *cfg, const char *path, const char *text, char *const *overrides,
                     int n_overrides)
{
    return parse_text(cfg, path, text, overrides, n_overrides, 1);
}

int config_read_file(const char *path, char **text)
{
    FILE *f = fopen(path, "rb");
    if (!f) return samarl_seterr("cannot open config file '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return samarl_seterr("config file '%s' is a directory (expected an INI file)", path);
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 >= cap) buf = xrealloc(buf, cap *= 2);
        if (n > ((size_t)16 << 20)) {
            fclose(f);
            free(buf);
            return samarl_seterr("config file '%s' is larger than 16 MiB: is it a config file?",
                                 path);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return samarl_seterr("cannot read config file '%s'", path);
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return samarl_seterr("config file '%s' contains NUL bytes: is it a text INI file?", path);
    }
    /* An empty file is more likely a failed copy than a wish for the
     * defaults, and a run on the defaults can take hours to notice. */
    if (buf[strspn(buf, " \t\r\n")] == '\0') {
        free(buf);
        return samarl_seterr("config file '%s' is empty (expected [section] and key = value "
                             "lines; leave out -c to run on the built-in defaults)",
                             path);
    }
    *text = buf;
    return SAMARL_OK;
}

/* Key k's value in a and b is the same. */
static int same_value(const config_t *a, const config_t *b, const key_spec_t *k)
{
    const char *va = key_base(a, k), *vb = key_base(b, k);
    switch (k->type) {
    case KT_INT:
        return *(const int64_t *)va == *(const int64_t *)vb;
    case KT_U64:
        return *(const uint64_t *)va == *(const uint64_t *)vb;
    case KT_REAL:
        return memcmp(va, vb, sizeof(double)) == 0;
    case KT_BOOL:
    case KT_ENUM:
        return *(const int *)va == *(const int *)vb;
    case KT_STR:
        return strcmp(*(char *const *)va, *(char *const *)vb) == 0;
    }
    return 0;
}

static void copy_value(config_t *to, const config_t *from, const key_spec_t *k)
{
    char *d = key_base(to, k);
    const char *s = key_base(from, k);
    switch (k->type) {
    case KT_INT:
    case KT_U64:
    case KT_REAL:
        memcpy(d, s, 8);
        break;
    case KT_BOOL:
    case KT_ENUM:
        memcpy(d, s, sizeof(int));
        break;
    case KT_STR:
        free(*(char **)d);
        *(char **)d = samarl_strdup(*(char *const *)s);
        break;
    }
}

int config_inherit(config_t *cfg, const char *from_path, const char *text, const char *const *picks,
                   int n_picks, int *n_taken)
{
    config_t from;
    *n_taken = 0;
    if (config_parse(&from, from_path, text, NULL, 0) != SAMARL_OK)
        return samarl_adderr("%s: its stored configuration: ", from_path);
    for (int i = 0; i < N_KEYS; i++) {
        if (cfg->origin[i] != 0) continue; /* the user's own */
        int picked = 0;
        char full[192];
        snprintf(full, sizeof full, "%s.%s", keys[i].section, keys[i].name);
        for (int p = 0; p < n_picks && !picked; p++)
            picked = strcmp(picks[p], keys[i].section) == 0 || strcmp(picks[p], full) == 0;
        for (int p = 0; p < n_picks && picked; p++)
            if (picks[p][0] == '-' && strcmp(picks[p] + 1, full) == 0) picked = 0;
        if (!picked || same_value(cfg, &from, &keys[i])) continue;
        copy_value(cfg, &from, &keys[i]);
        cfg->origin[i] = CONFIG_ORIGIN_INHERITED;
        (*n_taken)++;
    }
    config_free(&from);
    free(cfg->inherited_from);
    cfg->inherited_from = samarl_strdup(from_path);
    return validate(cfg);
}

/* "a,b.c,d" names keys[i]: its section or "section.key" is an entry. */
static int listed(const char *list, int i)
{
    const size_t ls = strlen(keys[i].section), lk = strlen(keys[i].name);
    for (const char *p = list; *p;) {
        const size_t len = strcspn(p, ",");
        if (len == ls && strncmp(p, keys[i].section, ls) == 0) return 1;
        if (len == ls + 1 + lk && strncmp(p, keys[i].section, ls) == 0 && p[ls] == '.' &&
            strncmp(p + ls + 1, keys[i].name, lk) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

int config_unread_keys(const config_t *cfg, const char *reads, char *out, size_t n)
{
    int count = 0;
    size_t used = 0;
    if (n) out[0] = '\0';
    for (int i = 0; i < n_builtin; i++) {
        if (cfg->origin[i] != -1) continue; /* only --set */
        if (listed(reads, i)) continue;
        if (used < n)
            used += (size_t)snprintf(out + used, n - used, "%s%s.%s", count ? ", " : "",
                                     keys[i].section, keys[i].name);
        count++;
    }
    return count;
}

int config_is_set(const config_t *cfg, const char *section, const char *key)
{
    int i = find_key(section, key);
    SAMARL_ASSERT(i >= 0);
    return cfg->origin[i] != 0;
}

/* Shortest %g form that reads back to the same double. */
static void fmt_real(double v, char *out, size_t n)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(out, n, "%.*g", prec, v);
        if (strtod(out, NULL) == v) return;
    }
}

static void value_text(const config_t *cfg, const key_spec_t *k, char *out, size_t n)
{
    const char *base = key_base(cfg, k);
    switch (k->type) {
    case KT_INT:
        snprintf(out, n, "%" PRId64, *(const int64_t *)base);
        break;
    case KT_U64:
        snprintf(out, n, "%" PRIu64, *(const uint64_t *)base);
        break;
    case KT_REAL:
        // cppcheck-suppress invalidPointerCast ; base is &cfg->(a double member)
        fmt_real(*(const double *)base, out, n);
        break;
    case KT_BOOL:
        snprintf(out, n, "%s", *(const int *)base ? "true" : "false");
        break;
    case KT_ENUM:
        if (enum_name(k->choices, *(const int *)base, out, n) != 0) snprintf(out, n, "?");
        break;
    case KT_STR:
        snprintf(out, n, "%s", *(char *const *)base ? *(char *const *)base : "");
        break;
    }
}

char *config_format(const config_t *cfg, int annotate)
{
    strbuf_t sb = {0};
    for (int s = 0; s < N_SECTIONS; s++) {
        sb_printf(&sb, "%s[%s]\n", s ? "\n" : "", sections[s]);
        for (int i = 0; i < N_KEYS; i++) {
            if (strcmp(keys[i].section, sections[s]) != 0) continue;
            char v[CONFIG_VALUE_MAX + 64], org[512]; /* a whole string value */
            value_text(cfg, &keys[i], v, sizeof v);
            if (!annotate) {
                sb_printf(&sb, "%s = %s\n", keys[i].name, v);
                continue;
            }
            origin_text(cfg, i, org, sizeof org);
            if (!keys[i].def && cfg->origin[i] == 0) snprintf(org, sizeof org, "= run.seed");
            int w = (int)(strlen(keys[i].name) + 3 + strlen(v));
            sb_printf(&sb, "%s = %s%*s ; %s\n", keys[i].name, v, w < 34 ? 34 - w : 0, "", org);
        }
    }
    return sb_take(&sb);
}

void config_print_keys(FILE *f)
{
    for (int s = 0; s < N_SECTIONS; s++) {
        fprintf(f, "%s[%s]\n", s ? "\n" : "", sections[s]);
        for (int i = 0; i < N_KEYS; i++) {
            if (strcmp(keys[i].section, sections[s]) != 0) continue;
            char exp[256];
            expected_text(&keys[i], exp, sizeof exp);
            fprintf(f, "  %-20s default %-12s %s\n      %s\n", keys[i].name,
                    keys[i].def ? (keys[i].def[0] ? keys[i].def : "(empty)") : "run.seed", exp,
                    keys[i].help);
        }
    }
}

const char *config_enum_name(const char *section, const char *key, int value)
{
    static char buf[8][64];
    static int slot;
    int i = find_key(section, key);
    SAMARL_ASSERT(i >= 0 && keys[i].type == KT_ENUM);
    char *out = buf[slot++ % 8];
    if (enum_name(keys[i].choices, value, out, sizeof buf[0]) != 0) return "?";
    return out;
}

void config_free(config_t *cfg)
{
    for (int i = 0; i < N_KEYS; i++)
        if (keys[i].type == KT_STR) {
            if (block_of(i) && !cfg->ext) continue; /* never filled */
            char **s = (char **)key_base(cfg, &keys[i]);
            free(*s);
            *s = NULL;
        }
    free(cfg->path);
    cfg->path = NULL;
    free(cfg->inherited_from);
    cfg->inherited_from = NULL;
    for (int k = 0; cfg->ext && k < n_ext; k++) free(cfg->ext[k]);
    free(cfg->ext);
    cfg->ext = NULL;
    free(cfg->origin);
    cfg->origin = NULL;
}

/* ---- registered sections ------------------------------------------------------- */

void config_register_section(const config_section_t *sec)
{
    /* A config_t made before would have origin[] and ext[] too short. */
    SAMARL_ASSERT(!configs_made);
    SAMARL_ASSERT(strlen(sec->name) < 64); /* the parser's section and key buffers */
    /* Names are lower-case letters, digits and '_', as the built-in ones
     * (what --set section.key, the docs and the tools that read the INI
     * expect). */
    SAMARL_ASSERT(strspn(sec->name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(sec->name));
    for (int k = 0; k < n_sections; k++)
        if (strcmp(sections[k], sec->name) == 0)
            SAMARL_FATAL("config section [%s] registered twice", sec->name);
    key_spec_t *t = XNEW(key_spec_t, (size_t)(n_keys + sec->n_keys));
    memcpy(t, keys, sizeof(key_spec_t) * (size_t)n_keys);
    key_block = xrealloc(key_block, sizeof(int) * (size_t)(n_keys + sec->n_keys));
    for (int i = 0; i < sec->n_keys; i++) {
        SAMARL_ASSERT(strcmp(sec->keys[i].section, sec->name) == 0);
        SAMARL_ASSERT(strlen(sec->keys[i].name) < 64 && sec->keys[i].def); /* no run.seed default */
        t[n_keys + i] = sec->keys[i];
        key_block[n_keys + i] = n_ext + 1;
    }
    const char **sn = XNEW(const char *, (size_t)(n_sections + 1));
    memcpy(sn, sections, sizeof(char *) * (size_t)n_sections);
    sn[n_sections] = sec->name;
    if (keys != builtin_keys) free((void *)keys);
    if (sections != builtin_sections) free((void *)sections);
    keys = t;
    n_keys += sec->n_keys;
    sections = sn;
    n_sections++;
    ext_size = xrealloc(ext_size, sizeof(size_t) * (size_t)(n_ext + 1));
    ext_size[n_ext++] = sec->size;
}

const void *config_section_values(const config_t *cfg, const char *name)
{
    for (int k = 0; k < n_ext; k++)
        if (strcmp(sections[n_sections - n_ext + k], name) == 0) return cfg->ext[k];
    return NULL;
}

const char *config_section_name(int k)
{
    return k >= 0 && k < n_sections ? sections[k] : NULL;
}
