/* env.name = robots: ALTERNATING-MARL's tabular multi-robot task (seed 002;
 * Anand and Karmarkar, arXiv 2603.03759; the public code
 * emiletimothy/alternating-marl, scripts/marl_example.py), written from its
 * published definitions (docs/environment.md lists every constant).
 *
 * One global agent, the dispatcher, whose state is a zone of 5 on a ring
 * and whose 5 actions steer to a zone, beside n homogeneous local agents,
 * each at one of 5 positions on the ring with the actions stay / up / down:
 *   P_g(z' | z, a)      softmax over z' of 3 [z' = a] + 0.5 [z' = z] + 0.1
 *   P_l(s' | s, z, a)   softmax over s' of 3.5 [s' = s] + 1.5 [s' = s +- 1
 *                       for up / down] + 0.3 [s' = z] + 0.1
 *   r_g(z, a) = 1,  r_l(s, z, a) = (10 if s = z else 2 / (1 + ring distance))
 *                   + (0, 0.5, -0.3)[a],  gamma = 0.95.
 * The environment is its tabular model: the trainers of a global agent
 * (train.algo = altmarl) plan with these tables and simulate the agents
 * themselves, so it has no per-agent steps (samarl run and samarl eval
 * refuse it). */
#ifndef SAMARL_ENV_ROBOTS_H
#define SAMARL_ENV_ROBOTS_H

enum { ROB_SG = 5, ROB_SL = 5, ROB_GA = 5, ROB_AL = 3 };

typedef struct robots {
    double Pg[ROB_SG][ROB_GA][ROB_SG];         /* P(s_g' | s_g, a_g) */
    double Pl[ROB_SL][ROB_SG][ROB_AL][ROB_SL]; /* P(s_l' | s_l, s_g, a_l) */
    double rg[ROB_SG][ROB_GA];                 /* the dispatcher's reward */
    double rl[ROB_SL][ROB_SG][ROB_AL];         /* a local agent's reward */
    double gamma;
} robots_t;

void robots_init(robots_t *r);

#endif
