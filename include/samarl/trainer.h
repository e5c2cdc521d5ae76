/* Trainers (train.algo): one table of operations per training algorithm and
 * a registry, as PETSc's KSPRegister, so that samarl train names the type
 * from the configuration and never branches on it.
 *
 * A trainer updates the networks of a policyset in place (they start from
 * policyset_init_fresh or a policy file) and owns everything else it learns:
 * optimiser state, critics, multipliers. It writes and reads that state in
 * the policy file itself (save/load, called by policyfile_write/read through
 * policy_state_t.trainer), and reports its own fields on the progress line,
 * in the summary and in the JSON record. A new trainer is one file in
 * src/train/ defining a trainer_ops_t, and one line in src/train/trainer.c.
 *
 * Determinism contract: every trainer's networks, statistics and saved state
 * are bit-identical on any number of ranks (random draws keyed by gid, exact
 * sums across ranks). */
#ifndef SAMARL_TRAINER_H
#define SAMARL_TRAINER_H

#include <stdint.h>
#include <stdio.h>

#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/policy.h"
#include "samarl/policyfile.h"
#include "samarl/strbuf.h"

/* Statistics of one iteration that every trainer reports, reduced over all
 * agents reproducibly (the policy file's /train curve). */
typedef struct trainer_stats {
    double aug_reward;   /* mean of r - lambda g per agent-step */
    double entropy;      /* mean policy entropy in the last epoch (nats) */
    double approx_kl;    /* mean of log pi_old - log pi over the last epoch */
    double clip_frac;    /* share of samples whose ratio was clipped, last epoch */
    double value_loss;   /* mean (v - return)^2, last epoch */
    int64_t agent_steps; /* samples collected (all ranks) */
} trainer_stats_t;

/* What a trainer can train beyond a separable environment whose one cost
 * channel is the usage g (trainer_ops_t.env_caps). */
enum {
    TRAINER_CAN_HOPS = 1,   /* costs that read graph neighbours (env spec.hops > 0) */
    TRAINER_CAN_COSTS = 2,  /* cost channels beyond g (env spec.n_costs > 1) */
    TRAINER_CAN_COPIES = 4, /* joint copies split across ranks (env spec.split, env.world) */
};

typedef struct trainer_ops {
    const char *name;    /* the train.algo value */
    const char *summary; /* one line for listings */
    unsigned env_caps;   /* TRAINER_CAN_*: environments it can train (0: separable, g only) */
    /* env_model_t: the environment model it simulates itself (env spec.model,
     * env_model()); ENV_MODEL_NONE: it steps an environment's agents. */
    int model;
    /* 1: beside its model it also steps the agents of an environment that
     * has none (netac: the networked MDP, or demand response). */
    int agents_too;
    /* 1: it learns tables, not the actors' networks: samarl train gives it
     * no policy set (create's ps is NULL) and its policy file holds no
     * networks (n_nets = 0), only what its save writes. */
    int no_networks;
    /* 1: it keeps a critic per agent and consenses them on train.critic_consensus
     * (others refuse the key). */
    int consensed_critics;
    /* The trainer's own [section] of the configuration, or NULL (registered
     * by trainer_register_config). */
    const config_section_t *config;
    /* Optional, collective: the actors' input features for env (NULL: its
     * observation's, spec.obs_dim); the caller shapes the policy set with
     * it before create (a kappa-hop input is wider). */
    int (*input_dim)(const config_t *cfg, env_t *env);
    /* Collective. The trainer's state beside ps (whose networks it trains);
     * env has train.copies copies. Refuses on every rank, before allocating,
     * what would not fit in memory. */
    void *(*create)(const config_t *cfg, env_t *env, policyset_t *ps);
    void (*destroy)(void *self);
    /* Collective. A fresh start (no policy file to continue). */
    void (*init_fresh)(void *self);
    /* Collective. Iteration it (0-based): collect, then update. */
    void (*iteration)(void *self, int64_t it, trainer_stats_t *st);
    /* Optional: 1 when its own stopping rule has ended the training (samarl
     * train stops before train.iterations; a resumed file stays stopped). */
    int (*done)(void *self);
    /* Collective. The trainer's own state into / out of the open policy
     * file; load refuses a file without it (SAMARL_ERR and a message, the
     * same verdict on every rank). */
    void (*save)(void *self, pfio_t *io);
    int (*load)(void *self, pfio_t *io);
    /* Optional, collective: the evaluation of the training curve (NULL:
     * evaluate() at each of train.eval_lambdas). A trainer whose actors
     * read more than their observation evaluates its own way: one episode
     * of `steps` steps of eval_env, return and usage per agent per step,
     * the same for every column of the curve. */
    void (*evaluate)(void *self, env_t *eval_env, int64_t steps, double *ret, double *usage);
    /* Rank 0's text, each optional: a line under the run's header; what
     * follows the common fields of a progress line; lines after the final
     * evaluation (n_it iterations were run); the JSON record's fields after
     * the common ones, each as ", \"key\": value", listing per-iteration
     * values for at most the first n_list of the n_it iterations run. */
    void (*print_setup)(void *self, FILE *out);
    void (*print_progress)(void *self, FILE *out);
    void (*print_summary)(void *self, FILE *out, int64_t n_it);
    void (*record)(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list);
} trainer_ops_t;

/* The registry: trainers in a fixed order (k < trainer_count()). */
int trainer_count(void);
const trainer_ops_t *trainer_at(int k);
/* The trainer called name, or NULL. */
const trainer_ops_t *trainer_find(const char *name);

/* Register every trainer's own configuration section, in registry order,
 * once; before any configuration is read (cli.c does it for the programs). */
void trainer_register_config(void);
/* SAMARL_OK when name is a registered trainer, else SAMARL_ERR with a
 * message naming the ones there are (for a command to refuse early). */
int trainer_check_name(const char *name);

typedef struct trainer trainer_t;

/* SAMARL_OK when the trainer called name can train an environment of
 * `spec` (env.name env_name), else SAMARL_ERR with a message naming what
 * it cannot and the trainers that can. */
int trainer_check_env(const char *name, const env_spec_t *spec, const char *env_name);

/* Collective. The trainer called name (train.algo); an unknown name, or an
 * environment it cannot train (trainer_check_env), is an error on every
 * rank. */
trainer_t *trainer_create(const char *name, const config_t *cfg, env_t *env, policyset_t *ps);
void trainer_destroy(trainer_t **t);
const trainer_ops_t *trainer_type(const trainer_t *t);
void trainer_init_fresh(trainer_t *t);
void trainer_iteration(trainer_t *t, int64_t it, trainer_stats_t *st);
int trainer_done(trainer_t *t);
/* Whether train.algo = name trains networks (trainer_ops_t.no_networks = 0). */
int trainer_has_networks(const char *name);
void trainer_save(trainer_t *t, pfio_t *io);
int trainer_load(trainer_t *t, pfio_t *io);
/* The input features of train.algo = name's actors (input_dim, or
 * spec.obs_dim); collective. */
int trainer_input_dim(const char *name, const config_t *cfg, env_t *env);
/* 1 and the evaluation where the trainer has its own (trainer_ops_t.evaluate). */
int trainer_evaluate(trainer_t *t, env_t *eval_env, int64_t steps, double *ret, double *usage);
void trainer_print_setup(trainer_t *t, FILE *out);
void trainer_print_progress(trainer_t *t, FILE *out);
void trainer_print_summary(trainer_t *t, FILE *out, int64_t n_it);
void trainer_record(trainer_t *t, strbuf_t *sb, int64_t n_it, int64_t n_list);

#endif
