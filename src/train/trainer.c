/* The trainer registry and the calls through a trainer's operations (see
 * trainer.h). A new trainer adds one line to the table below. */
#include "samarl/trainer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"

extern const trainer_ops_t trainer_ppo, trainer_mappo_l, trainer_reinforce, trainer_scal_mappo_l,
    trainer_ippo_l, trainer_happo, trainer_mappo_l_local, trainer_hatrpo, trainer_clip_happo,
    trainer_clip_hatrpo, trainer_altmarl, trainer_altmarl_fa, trainer_netac_q, trainer_netac_v,
    trainer_mfq, trainer_mfac, trainer_iql;

static const trainer_ops_t *const registry[] = {
    &trainer_ppo,        &trainer_mappo_l,     &trainer_reinforce,     &trainer_scal_mappo_l,
    &trainer_ippo_l,     &trainer_happo,       &trainer_mappo_l_local, &trainer_hatrpo,
    &trainer_clip_happo, &trainer_clip_hatrpo, &trainer_altmarl,       &trainer_altmarl_fa,
    &trainer_netac_q,    &trainer_netac_v,     &trainer_mfq,           &trainer_mfac,
    &trainer_iql,
};

void trainer_register_config(void)
{
    static int done;
    if (done) return;
    done = 1;
    for (int k = 0; k < trainer_count(); k++) {
        int first = registry[k]->config != NULL; /* trainers may share one section */
        for (int j = 0; j < k && first; j++) first = registry[j]->config != registry[k]->config;
        if (first) config_register_section(registry[k]->config);
    }
}

struct trainer {
    const trainer_ops_t *ops;
    void *self;
};

int trainer_count(void)
{
    return (int)(sizeof registry / sizeof registry[0]);
}

const trainer_ops_t *trainer_at(int k)
{
    return k >= 0 && k < trainer_count() ? registry[k] : NULL;
}

const trainer_ops_t *trainer_find(const char *name)
{
    for (int k = 0; k < trainer_count(); k++)
        if (strcmp(registry[k]->name, name) == 0) return registry[k];
    return NULL;
}

static int unknown_trainer(const char *name)
{
    const char *names[sizeof registry / sizeof registry[0]];
    for (int k = 0; k < trainer_count(); k++) names[k] = registry[k]->name;
    return samarl_seterr_unknown("train.algo", name, "a trainer", names, trainer_count());
}

int trainer_check_name(const char *name)
{
    return trainer_find(name) ? SAMARL_OK : unknown_trainer(name);
}

/* The capabilities an environment of `spec` asks of its trainer. */
static unsigned env_needs(const env_spec_t *spec)
{
    return (spec->hops > 0 ? TRAINER_CAN_HOPS : 0u) | (spec->n_costs > 1 ? TRAINER_CAN_COSTS : 0u) |
           (spec->split == ENV_SPLIT_COPIES ? TRAINER_CAN_COPIES : 0u);
}

/* The registered trainers of model `kind`, or environments with it, as a
 * list into can[n]. */
static void model_trainers(int kind, char *can, size_t n)
{
    size_t len = 0;
    can[0] = 0;
    for (int k = 0; k < trainer_count(); k++)
        if (registry[k]->model == kind && len < n)
            len += (size_t)snprintf(can + len, n - len, "%s%s", len ? ", " : "", registry[k]->name);
}

int trainer_check_env(const char *name, const env_spec_t *spec, const char *env_name)
{
    const trainer_ops_t *ops = trainer_find(name);
    if (!ops) return unknown_trainer(name);
    const unsigned need = env_needs(spec);
    if (ops->model != spec->model && !(ops->agents_too && !spec->model)) {
        /* a model the trainer simulates, or not */
        char can[256] = "";
        size_t len = 0;
        const env_ops_t *e, *mine = NULL, *theirs = env_find(env_name);
        for (int k = 0; (e = env_registered(k)) != NULL; k++) /* the environments of its model */
            if (ops->model && e->model_what && e->model_kind == ops->model) {
                mine = e;
                if (len < sizeof can)
                    len += (size_t)snprintf(can + len, sizeof can - len, "%s%s", len ? ", " : "",
                                            e->name);
            }
        if (!spec->model)
            return samarl_seterr("train.algo = %s trains %s, and env.name = %s has none "
                                 "(environments with it: %s)",
                                 name, mine ? mine->model_what : "a model", env_name,
                                 len ? can : "none");
        model_trainers(spec->model, can, sizeof can);
        return samarl_seterr(
            "train.algo = %s cannot train env.name = %s: the environment is "
            "a model its trainers simulate themselves (%s), and %s %s (trainers "
            "that can: %s)",
            name, env_name, theirs && theirs->model_what ? theirs->model_what : "a model", name,
            ops->model ? "simulates another" : "steps agents", can[0] ? can : "none");
    }
    if ((ops->env_caps & need) == need) return SAMARL_OK;
    char can[256] = "";
    size_t len = 0;
    for (int k = 0; k < trainer_count(); k++)
        if ((registry[k]->env_caps & need) == need && len < sizeof can)
            len += (size_t)snprintf(can + len, sizeof can - len, "%s%s", len ? ", " : "",
                                    registry[k]->name);
    const unsigned lack = need & ~ops->env_caps;
    const char *what = (lack & TRAINER_CAN_COPIES)
                           ? "whole joint copies of one world split across ranks (every rank "
                             "runs all its agents)"
                       : (lack & TRAINER_CAN_HOPS)
                           ? "costs that read its graph neighbours (hops > 0)"
                           : "cost channels beyond the usage g";
    return samarl_seterr("train.algo = %s cannot train env.name = %s: the environment has %s, "
                         "which %s's updates do not take into account (trainers that can: %s)",
                         name, env_name, what, name,
                         len ? can
                             : "none in this build; samarl run runs it with "
                               "policy.type = bestresponse");
}

trainer_t *trainer_create(const char *name, const config_t *cfg, env_t *env, policyset_t *ps)
{
    const trainer_ops_t *ops = trainer_find(name);
    comm_check(ops ? SAMARL_OK : unknown_trainer(name));
    SAMARL_ASSERT(ops != NULL); /* comm_check returns only when every rank found it */
    comm_check(trainer_check_env(name, &env->spec, env->ops->name));
    if (cfg->train.critic_consensus > 0 && !ops->consensed_critics) {
        char can[256] = "";
        size_t len = 0;
        for (int k = 0; k < trainer_count(); k++)
            if (registry[k]->consensed_critics && len < sizeof can)
                len += (size_t)snprintf(can + len, sizeof can - len, "%s%s", len ? ", " : "",
                                        registry[k]->name);
        comm_check(samarl_seterr("train.critic_consensus = %" PRId64 " consenses a critic per "
                                 "agent, which train.algo = %s does not keep (trainers that "
                                 "can: %s; netac-q and netac-v consense theirs by netac.rounds)",
                                 cfg->train.critic_consensus, name, can));
    }
    trainer_t *t = XZNEW(trainer_t, 1);
    t->ops = ops;
    t->self = ops->create(cfg, env, ps);
    return t;
}

int trainer_input_dim(const char *name, const config_t *cfg, env_t *env)
{
    const trainer_ops_t *ops = trainer_find(name);
    return ops && ops->input_dim ? ops->input_dim(cfg, env) : env->spec.obs_dim;
}

int trainer_evaluate(trainer_t *t, env_t *eval_env, int64_t steps, double *ret, double *usage)
{
    if (!t->ops->evaluate) return 0;
    t->ops->evaluate(t->self, eval_env, steps, ret, usage);
    return 1;
}

void trainer_destroy(trainer_t **tp)
{
    trainer_t *t = *tp;
    if (!t) return;
    t->ops->destroy(t->self);
    free(t);
    *tp = NULL;
}

const trainer_ops_t *trainer_type(const trainer_t *t)
{
    return t->ops;
}

void trainer_init_fresh(trainer_t *t)
{
    t->ops->init_fresh(t->self);
}

void trainer_iteration(trainer_t *t, int64_t it, trainer_stats_t *st)
{
    t->ops->iteration(t->self, it, st);
}

int trainer_done(trainer_t *t)
{
    return t->ops->done ? t->ops->done(t->self) : 0;
}

int trainer_has_networks(const char *name)
{
    const trainer_ops_t *ops = trainer_find(name);
    return !ops || !ops->no_networks;
}

void trainer_save(trainer_t *t, pfio_t *io)
{
    if (t->ops->save) t->ops->save(t->self, io);
}

int trainer_load(trainer_t *t, pfio_t *io)
{
    return t->ops->load ? t->ops->load(t->self, io) : SAMARL_OK;
}

void trainer_print_setup(trainer_t *t, FILE *out)
{
    if (t->ops->print_setup) t->ops->print_setup(t->self, out);
}

void trainer_print_progress(trainer_t *t, FILE *out)
{
    if (t->ops->print_progress) t->ops->print_progress(t->self, out);
}

void trainer_print_summary(trainer_t *t, FILE *out, int64_t n_it)
{
    if (t->ops->print_summary) t->ops->print_summary(t->self, out, n_it);
}

void trainer_record(trainer_t *t, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    if (t->ops->record) t->ops->record(t->self, sb, n_it, n_list);
}
