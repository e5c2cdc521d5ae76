/* The MPE simple_spread world (env_spread.h), step for step as PettingZoo's
 * core.py: apply the action forces, add the contact forces of every pair
 * of colliding entities (here: agents; landmarks do not collide), then
 * integrate each agent; the rewards read the new positions. */
#include "samarl/env_spread.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/rng.h"

void spread_init(spread_world_t *w, int n, int version, double local_ratio)
{
    SAMARL_ASSERT(n >= 1 && (version == SPREAD_V2 || version == SPREAD_V3));
    w->n = n;
    w->version = version;
    w->local_ratio = local_ratio;
    w->pos = XZNEW(double, 2 * (size_t)n);
    w->vel = XZNEW(double, 2 * (size_t)n);
    w->lm = XZNEW(double, 2 * (size_t)n);
    w->force = XZNEW(double, 2 * (size_t)n);
}

void spread_free(spread_world_t *w)
{
    free(w->pos);
    free(w->vel);
    free(w->lm);
    free(w->force);
    memset(w, 0, sizeof *w);
}

void spread_reset(spread_world_t *w, uint64_t seed, uint64_t key)
{
    const int n = w->n;
    for (int q = 0; q < 2 * n; q++) {
        /* agents' coordinates draws 0 .. 2n-1, landmarks' 2n .. 4n-1 */
        w->pos[q] = 2 * rng_uniform(seed, RNG_STREAM_ENV_START, key, (uint64_t)q) - 1;
        w->lm[q] = 2 * rng_uniform(seed, RNG_STREAM_ENV_START, key, (uint64_t)(2 * n + q)) - 1;
        w->vel[q] = 0;
    }
}

void spread_observe(const spread_world_t *w, int i, float *obs)
{
    const int n = w->n;
    const double px = w->pos[2 * i], py = w->pos[2 * i + 1];
    int k = 0;
    obs[k++] = (float)w->vel[2 * i];
    obs[k++] = (float)w->vel[2 * i + 1];
    obs[k++] = (float)px;
    obs[k++] = (float)py;
    for (int l = 0; l < n; l++) {
        obs[k++] = (float)(w->lm[2 * l] - px);
        obs[k++] = (float)(w->lm[2 * l + 1] - py);
    }
    for (int a = 0; a < n; a++) {
        if (a == i) continue;
        obs[k++] = (float)(w->pos[2 * a] - px);
        obs[k++] = (float)(w->pos[2 * a + 1] - py);
    }
    for (int a = 0; a < 2 * (n - 1); a++) obs[k++] = 0.0f; /* the others' (silent) communication */
}

double spread_contact(double d)
{
    /* penetration = logaddexp(0, -(d - dmin)/k) k, the force contact_force x it */
    const double z = -(d - 2 * SPREAD_AGENT_SIZE) / SPREAD_CONTACT_MARGIN;
    const double softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
    return SPREAD_CONTACT_FORCE * softplus * SPREAD_CONTACT_MARGIN;
}

void spread_step(spread_world_t *w, const uint8_t *action, double *r, double *cost)
{
    static const double move[SPREAD_ACTIONS][2] = {{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}};
    const int n = w->n;
    for (int i = 0; i < n; i++) {
        SAMARL_ASSERT(action[i] < SPREAD_ACTIONS);
        w->force[2 * i] = SPREAD_SENSITIVITY * move[action[i]][0];
        w->force[2 * i + 1] = SPREAD_SENSITIVITY * move[action[i]][1];
    }
    for (int a = 0; a < n; a++) /* every pair a < b, on the positions before the step */
        for (int b = a + 1; b < n; b++) {
            const double dx = w->pos[2 * a] - w->pos[2 * b],
                         dy = w->pos[2 * a + 1] - w->pos[2 * b + 1];
            const double d = sqrt(dx * dx + dy * dy), f = spread_contact(d) / d;
            w->force[2 * a] += f * dx;
            w->force[2 * a + 1] += f * dy;
            w->force[2 * b] -= f * dx;
            w->force[2 * b + 1] -= f * dy;
        }
    for (int q = 0; q < 2 * n; q++) {
        if (w->version == SPREAD_V3) w->pos[q] += w->vel[q] * SPREAD_DT; /* the old velocity */
        w->vel[q] *= 1 - SPREAD_DAMPING;
        w->vel[q] += w->force[q] / SPREAD_MASS * SPREAD_DT;
        if (w->version == SPREAD_V2) w->pos[q] += w->vel[q] * SPREAD_DT; /* the new velocity */
    }
    if (!r && !cost) return;
    double global = 0;
    for (int l = 0; l < n; l++) {
        double best = INFINITY;
        for (int a = 0; a < n; a++) {
            const double dx = w->pos[2 * a] - w->lm[2 * l],
                         dy = w->pos[2 * a + 1] - w->lm[2 * l + 1];
            const double d = sqrt(dx * dx + dy * dy);
            if (d < best) best = d;
        }
        global -= best;
    }
    for (int i = 0; i < n; i++) {
        int hits = 0;
        for (int a = 0; a < n; a++) {
            if (a == i) continue;
            const double dx = w->pos[2 * a] - w->pos[2 * i],
                         dy = w->pos[2 * a + 1] - w->pos[2 * i + 1];
            if (sqrt(dx * dx + dy * dy) < 2 * SPREAD_AGENT_SIZE) hits++;
        }
        const double local = -(double)hits - (w->version == SPREAD_V2 ? 1.0 : 0.0);
        if (r) r[i] = global * (1 - w->local_ratio) + local * w->local_ratio;
        if (cost) cost[i] = hits;
    }
}
