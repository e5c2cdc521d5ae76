/* Configuration: INI files (parsed by libinih) plus --set overrides, every key
 * typed, defaulted, range-checked and documented in one table (config.c).
 * Unknown sections and keys are errors naming the file and line. */
#ifndef SAMARL_CONFIG_H
#define SAMARL_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "samarl/cpu.h"

typedef enum {
    GRAPH_RING,
    GRAPH_GRID2D,
    GRAPH_RGG,
    GRAPH_ER,
    GRAPH_SMALLWORLD,
    GRAPH_COMPLETE,
    GRAPH_FILE
} graph_type_t;
typedef enum { GRAPH_FORMAT_METIS, GRAPH_FORMAT_EDGELIST } graph_format_t;
typedef enum { PARTITION_METIS, PARTITION_BLOCK, PARTITION_FILE } partition_method_t;
typedef enum { HALO_P2P, HALO_NEIGHBOR } halo_method_t;
typedef enum { WEIGHTS_METROPOLIS, WEIGHTS_MAXDEGREE } weights_t;
typedef enum { SHARE_DEMAND, SHARE_EQUAL } share_t;
typedef enum { MIXING_PLAIN, MIXING_WEIGHTED } mixing_t;
/* env.negative_loads: "zero" is the former name of "clip". */
typedef enum { NEGATIVE_LOADS_CLIP, NEGATIVE_LOADS_ERROR, NEGATIVE_LOADS_ZERO } negative_loads_t;
typedef enum { INIT_UNIFORM, INIT_NORMAL } init_t;
typedef enum { POLICY_MLP, POLICY_BESTRESPONSE } policy_type_t;
typedef enum { SHARING_AGENT, SHARING_SHARED } sharing_t;
/* train.reward_scale: the trainers' rewards divided by each agent's scale, or not. */
typedef enum { REWARD_SCALE_AGENT, REWARD_SCALE_NONE } reward_scale_t;

/* Most agents faults.byzantine_agents may name. */
#define CONFIG_BYZANTINE_MAX 64

typedef struct config {
    struct {
        uint64_t seed;
        double days;
        int64_t steps;   /* as given (0: from days) */
        int64_t n_steps; /* effective run length: steps, or days x 24 */
        int greedy;
        int64_t progress_every;
        int64_t checkpoint_every; /* steps; 0: none */
    } run;
    struct {
        int type; /* graph_type_t */
        int64_t agents;
        int64_t k;
        double radius;
        double degree;
        double p;
        int64_t rows;
        char *path;
        int format; /* graph_format_t */
        uint64_t seed;
        int allow_disconnected;
    } graph;
    struct {
        int method; /* partition_method_t */
        char *file;
        uint64_t seed;
        int64_t ufactor;
    } partition;
    struct {
        int method;             /* halo_method_t */
        int64_t hops;           /* kappa of the kappa-hop halo */
        double max_ghost_share; /* its memory guard */
    } halo;
    struct {
        char *name; /* a registered environment (env.h) */
        uint64_t seed;
        int64_t horizon;
        double heterogeneity, min_scale, beta_min, beta_max;
        double capacity_ratio, feeder_ratio, kappa, noise, noise_clip;
        double price_low, price_high;
        int64_t peak_start, peak_end;
        char *levels; /* "0,0.5,1,..." */
        char *nodes, *nodes_column, *profiles;
        int negative_loads; /* NEGATIVE_LOADS_ERROR: refuse; else clip to zero */
    } env;
    struct {
        int type;    /* policy_type_t */
        int sharing; /* sharing_t */
        int64_t hidden;
        double tau, defer_hours;
        int normalize;
        int kernel; /* kernel_t */
    } policy;
    struct {
        char *algo; /* a registered trainer (trainer.h) */
        int64_t iterations, copies, lambda_resample, epochs, minibatches;
        double lambda_max, lr, lr_final, gamma, gae_lambda, clip, entropy, value_coef;
        double max_grad_norm;
        char *eval_lambdas;
        int64_t eval_every, eval_copies;
        int save_adam;
        int64_t checkpoint_every; /* iterations; 0: none */
        int64_t critic_hidden;    /* mappo-l */
        int64_t critic_consensus; /* the scal family: consensus rounds on the critics */
        double dual_lr;           /* mappo-l */
        int64_t kappa;            /* scal-mappo-l, happo: input hops */
        int kappa_input;          /* kinput_kind_t less one: 0 shellmean, 1 slots */
        int order;                /* 0 random, 1 fixed, 2 colour */
        int factor;               /* 0 prod, 1 clip1, 2 none */
        double kl_threshold;      /* hatrpo, clip-hatrpo: the trust region's radius */
        int critic;               /* scal presets: 0 local, 1 factored, 2 central */
        int lagrangian;           /* 0 neighbourhood, 1 own */
        int reward_scale;         /* reward_scale_t */
        int64_t lambda_power;     /* lambda = lambda_max u^k */
        double lr_halflife;       /* iterations; 0: constant */
        int value_norm;           /* PopArt value targets per network */
    } train;
    struct {
        char *lambdas;
        int64_t copies, steps;
        int greedy;
    } eval;
    struct {
        int weights; /* weights_t */
        int share;   /* share_t */
        int mixing;  /* mixing_t */
        char *mode;  /* a registered dual rule (dual.h) */
        double eta, lambda0;
        int64_t epoch, rounds;
        int64_t sample_k; /* dual.mode = sampled: the households the aggregator samples */
        int start;        /* 0: dual.lambda0, 1: the policy file's /lambda_local */
    } dual;
    struct {
        char *agents;       /* all | none | every:M */
        int64_t agent_step; /* parsed: 1 all, 0 none, M */
        int64_t every, buffer, compress;
        double buffer_mb;
    } output;
    struct {
        int64_t rounds;
        int64_t report_every;
        int init; /* init_t */
        int64_t sigma_iters;
        double sigma_tol;
        char *aggregate;    /* mean | median | trimmed:F | mtm:Q */
        int aggregate_rule; /* parsed: consensus.h's CONSENSUS_AGG_* */
        int64_t trim;       /* parsed: F of trimmed:F */
        double mtm_q;       /* parsed: Q of mtm:Q */
    } consensus;
    struct {
        double link_drop, agent_dropout, stale;
        int64_t dropout_rounds;
        double byzantine, byzantine_value;
        int byzantine_mode;     /* 0 constant, 1 sign-flip, 2 noise */
        int link_mode;          /* 0 message, 1 link (consensus.h's CONSENSUS_LINK_*) */
        char *byzantine_agents; /* a list of gids, or "" */
        int64_t byz_gids[CONFIG_BYZANTINE_MAX]; /* parsed, ascending */
        int n_byz_gids;
    } faults;

    /* Where each key's value came from: 0 default, > 0 line in `path`,
     * -1 a --set override, CONFIG_ORIGIN_INHERITED config_inherit. Indexed
     * like the key table (built-in keys, then the registered sections'). */
    int *origin;
    /* The values of the registered sections, one struct each. */
    void **ext;
    char *path;           /* the config file, or NULL for built-in defaults only */
    char *inherited_from; /* the file config_inherit took keys from, or NULL */
} config_t;

/* ---- sections owned by the modules that read them ----------------------------
 * A module (a trainer, an environment) declares its own [section]: its keys
 * with their types, defaults, ranges and meaning, stored in a struct of its
 * own. Registered before any configuration is read, they are parsed,
 * checked, documented ('samarl config --keys'), dumped and recorded exactly
 * like the built-in keys, and config_t grows no field for them. */
typedef enum {
    CONFIG_INT,
    CONFIG_U64,
    CONFIG_REAL,
    CONFIG_BOOL,
    CONFIG_ENUM,
    CONFIG_STR
} config_type_t;

/* One key. Its value, at `off` in its struct, is an int64_t (CONFIG_INT),
 * uint64_t (CONFIG_U64), double (CONFIG_REAL), int (CONFIG_BOOL; CONFIG_ENUM:
 * the index into "a|b|c" choices) or a malloc'd char * (CONFIG_STR).
 * Numbers must lie in [min, max] (an open bound with min_open / max_open). */
typedef struct config_key {
    const char *section, *name;
    config_type_t type;
    size_t off;
    const char *def; /* the default as text (NULL: run.seed, for seeds) */
    double min, max;
    int min_open, max_open;
    const char *choices;
    const char *help;
} config_key_t;

typedef struct config_section {
    const char *name;         /* [name] in an INI file, name.key for --set */
    const config_key_t *keys; /* [n_keys], each with .section = name */
    int n_keys;
    size_t size; /* bytes of the struct the keys' offsets point into */
} config_section_t;

/* Not collective. Before any configuration is parsed (the registries do it
 * from a constructor). A section name already taken is an internal error. */
void config_register_section(const config_section_t *s);
/* Section k = 0, 1, ... (built-in, then registered), NULL past the last. */
const char *config_section_name(int k);
/* cfg's values of registered section `name`, or NULL if none is registered. */
const void *config_section_values(const config_t *cfg, const char *name);

/* Longest list a list-valued key (env.levels, eval.lambdas) may hold. */
#define CONFIG_LIST_MAX 256

/* Parse "a,b,c" into out[0..n), n <= max. SAMARL_ERR with a message. */
int config_parse_list(const char *text, double *out, int max, int *n);

/* Fill cfg with the built-in defaults. */
void config_defaults(config_t *cfg);

/* Parse INI text (the contents of `path`, or NULL for none) on top of the
 * defaults, then apply overrides ("section.key=value"), then validate.
 * Not collective: every rank parses the same text and gets the same answer.
 * Returns SAMARL_OK, or SAMARL_ERR with a message naming file/line/key. */
int config_parse(config_t *cfg, const char *path, const char *text, char *const *overrides,
                 int n_overrides);
/* config_parse for the contents of the INI file `path` as the user wrote it
 * (-c): where `path` names a folder (dir/x.ini), a relative path in a key
 * that holds a file path (graph.path, partition.file, env.nodes,
 * env.profiles) is taken relative to that folder, so a config works from any
 * working directory. Overrides are left as given (relative to the working
 * directory); a stored config (a checkpoint's) goes through config_parse. */
int config_parse_ini(config_t *cfg, const char *path, const char *text, char *const *overrides,
                     int n_overrides);

/* The keys set with --set, among the built-in sections, that `reads`
 * (comma-separated "section" or "section.key" entries) does not name, as
 * "a.b, c.d" in out (truncated to n). Keys from an INI file are not judged
 * (one file may serve train, run and eval), nor keys of registered sections
 * (a trainer's, an environment's). Returns how many. */
int config_unread_keys(const config_t *cfg, const char *reads, char *out, size_t n);

#define CONFIG_ORIGIN_INHERITED (-2)
/* Take, from the config stored in `from_path` (its text), the values of the
 * keys named by `picks` that cfg left at their defaults: a section name
 * ("graph") picks its keys, "section.key" one key, "-section.key" drops one
 * from a picked section. Keys the user set (file or --set) stay. *n_taken:
 * how many values changed. Validates cfg again; SAMARL_ERR with a message. */
int config_inherit(config_t *cfg, const char *from_path, const char *text, const char *const *picks,
                   int n_picks, int *n_taken);

/* Read a whole file into a malloc'd string (for rank 0 to broadcast). */
int config_read_file(const char *path, char **text);

/* 1 if section.key was set by the file or an override. */
int config_is_set(const config_t *cfg, const char *section, const char *key);

/* The effective configuration as INI text (malloc'd). With annotate, each
 * line carries a comment saying where the value came from. */
char *config_format(const config_t *cfg, int annotate);

/* Every key with its type, default, accepted range and meaning. */
void config_print_keys(FILE *f);

/* The name of an enum value of a key ("rgg" for graph.type = GRAPH_RGG). */
const char *config_enum_name(const char *section, const char *key, int value);

void config_free(config_t *cfg);

#endif
