/* policy.h5: trained state-augmented policies, enough to run them and to
 * resume training (format "samarl-policy", version 1).
 *
 *   /            attrs format, format_version, samarl_version, git_sha,
 *                n_agents, n_nets, sharing, hidden, n_inputs, n_actions,
 *                n_params, env_fingerprint, iterations, adam_step, seed, config
 *   /params      [n_nets][n_params] float32, network of agent gid at row gid
 *                (one row when shared)
 *   /adam_m, /adam_v   [n_nets][n_params] float32 Adam moments (absent when
 *                written with train.save_adam = false: runs, cannot resume)
 *   /obs_mean, /obs_scale  [n_nets][6] float32: x' = (x - mean) * scale
 *   /agents/scale, /agents/beta  [n_agents] the environment's agents
 *   /train/aug_reward, entropy, approx_kl, clip_frac, value_loss  [iterations]
 *   /train/eval_iteration [E], /train/eval_lambda [L],
 *   /train/eval_return [E][L], /train/eval_usage [E][L]
 *   /train/lambda [iterations]  (train.algo = mappo-l: the global multiplier
 *                after each iteration; root attributes algo, lambda_final)
 *   /value_norm  [n_nets][3] float32 (ppo, train.value_norm): each value head's
 *                running first and second moments of its targets and their
 *                debiasing weight (PopArt)
 *   /critic/params, /critic/adam_m, /critic/adam_v  [critic params] float32
 *                (mappo-l: the centralised critic; attribute critic_step)
 *   checkpoint_for  (root attribute of checkpoints only: the policy file that
 *                --restart continues writing)
 *
 * The trainer (policy_state_t.trainer) writes and reads its own part: the
 * Adam state and adam_step, and mappo-l's /critic, /train/lambda, algo and
 * lambda_final. Everything in it is independent of the number of ranks
 * that wrote it. */
#ifndef SAMARL_POLICYFILE_H
#define SAMARL_POLICYFILE_H

#include <stdint.h>
#include <stdio.h>

#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/partition.h"
#include "samarl/policy.h"

#define SAMARL_POLICY_FORMAT_VERSION 1

/* The training curve (the same on every rank). */
typedef struct train_curve {
    int64_t n, cap; /* iterations recorded */
    double *aug_reward, *entropy, *approx_kl, *clip_frac, *value_loss;
    int n_lambda;
    double lambda[CONFIG_LIST_MAX];
    int64_t n_eval, eval_cap;
    int64_t *eval_iteration;
    double *eval_return, *eval_usage; /* [n_eval][n_lambda] */
} train_curve_t;

void curve_init(train_curve_t *c, const double *lambda, int n_lambda);
void curve_free(train_curve_t *c);
void curve_add_stats(train_curve_t *c, double aug, double ent, double kl, double clip, double vl);
void curve_add_eval(train_curve_t *c, int64_t it, const double *ret, const double *usage);
/* The training curve as CSV, for watching a long training (samarl train
 * writes OUTPUT.train.csv as it goes): the header, then one line per
 * iteration k in [k0, c->n) (1-based iteration k + 1) with the return and
 * usage at each evaluation multiplier where that iteration was evaluated
 * (empty fields elsewhere). Values in %.17g: the same bits as /train. */
void curve_csv_header(FILE *f, const train_curve_t *c);
void curve_csv_rows(FILE *f, const train_curve_t *c, int64_t k0);

/* The open policy file that policyfile_write and policyfile_read hand to a
 * trainer's save and load (trainer.h), for the state only the trainer
 * knows. Every call is collective. */
typedef struct pfio pfio_t;
struct h5file;
struct trainer;

/* The file's name (for messages) and its HDF5 handle (attributes and
 * datasets of the trainer's own, through h5io). */
const char *pfio_path(const pfio_t *io);
struct h5file *pfio_h5(pfio_t *io);
/* Iterations the file records (reading) or will record (writing). */
int64_t pfio_iterations(const pfio_t *io);
/* Writing with train.save_adam = false: leave optimiser moments out. */
int pfio_weights_only(const pfio_t *io);
/* Per-network tables like /params: rows [n_nets][net.stride] in memory,
 * [n_nets in the file][n_params] at row gid in the file. */
void pfio_put_rows(pfio_t *io, const char *name, const float *rows, const char *units,
                   const char *desc);
/* SAMARL_ERR with a message unless name has the shape of /params. */
int pfio_check_rows(pfio_t *io, const char *name);
void pfio_get_rows(pfio_t *io, const char *name, float *rows);
/* Narrow per-network tables: rows [n_nets][width] floats in memory and in
 * the file (at row gid; one row when shared). */
void pfio_put_table(pfio_t *io, const char *name, const float *rows, int width, const char *units,
                    const char *desc);
/* SAMARL_ERR with a message unless name is such a table of `width`. */
int pfio_check_table(pfio_t *io, const char *name, int width);
void pfio_get_table(pfio_t *io, const char *name, float *rows, int width);
/* Per-agent tables whatever policy.sharing: rows [n local agents][width]
 * in memory, [n_global][width] at row gid in the file (a trainer's
 * per-agent critics and multipliers beside a shared actor). */
void pfio_put_agent_table(pfio_t *io, const char *name, const float *rows, lidx_t n, int width,
                          const char *units, const char *desc);
int pfio_check_agent_table(pfio_t *io, const char *name, int width);
void pfio_get_agent_table(pfio_t *io, const char *name, float *rows, lidx_t n, int width);
/* A series of n doubles, the same on every rank (like /train/...). */
void pfio_put_series(pfio_t *io, const char *name, int64_t n, const double *v, const char *units,
                     const char *desc);

/* Training state beside the networks (NULL when only running). */
typedef struct policy_state {
    int64_t iterations;
    /* Reading: the root attribute adam_step, the actors' optimiser step
     * (for messages; the trainer loads its own). */
    int64_t adam_step;
    train_curve_t *curve;
    /* What writes and reads the rest of the training state (NULL: none;
     * the file then records adam_step 0). */
    struct trainer *trainer;
    int weights_only; /* train.save_adam = false: no optimiser moments */
    /* A checkpoint (train.checkpoint_every): the output it continues, in the
     * root attribute checkpoint_for; NULL for a finished policy file. */
    const char *checkpoint_for;
} policy_state_t;

/* Bytes a rank holding n_local of n_global per-agent rows of `width` floats
 * needs, beside its networks, to write or read a per-agent table: a slab of
 * columns and its copies (bounded by the slab size, whatever the agent
 * count). For the trainers' memory guards. */
double policyfile_move_bytes(gidx_t n_local, gidx_t n_global, int width);

/* Collective. Write PATH (via PATH.partial). */
int policyfile_write(const char *path, const config_t *cfg, const lgraph_t *lg, const env_t *e,
                     const policyset_t *ps, const policy_state_t *st);

/* Collective. Load the networks (and, if st, the training state) of the
 * rank's agents into ps. A file that is missing, not a policy file, or made
 * for another configuration (agent count, network shape, sharing,
 * environment) is refused: SAMARL_ERR on every rank with a message. */
int policyfile_read(const char *path, const config_t *cfg, const lgraph_t *lg, const env_t *e,
                    policyset_t *ps, policy_state_t *st);

#endif
