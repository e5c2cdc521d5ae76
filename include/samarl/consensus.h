/* Consensus engine: averaging with a doubly stochastic mixing matrix W over
 * the communication graph, K rounds per call, each round one halo exchange
 * and a local sparse product (interior rows overlap the exchange).
 *
 * Weights: Metropolis-Hastings  W_ij = 1/(1+max(d_i,d_j)) on edges, or
 * max-degree W_ij = 1/(1+d_max); W_ii = 1 - sum_j W_ij. Both are symmetric
 * and doubly stochastic, so averaging preserves the mean and converges to it
 * on a connected graph at rate sigma = max|eigenvalue of W - J|, J = 11'/N.
 *
 * Determinism: each row sums its self term, then neighbours in gid order,
 * with weights computed from degrees alone, so W x has the same bits on any
 * number of ranks; global sums go through reprosum. */
#ifndef SAMARL_CONSENSUS_H
#define SAMARL_CONSENSUS_H

#include <stdint.h>

#include "samarl/config.h"
#include "samarl/halo.h"
#include "samarl/partition.h"

typedef struct consensus consensus_t;

/* Collective. Vectors passed to this engine have lg->n_owned + lg->n_ghost
 * entries of `width` doubles (the halo's max width at most). */
consensus_t *consensus_create(const lgraph_t *lg, halo_t *halo, weights_t weights);

/* Collective. x <- W^K x (owned entries; ghosts are scratch). */
void consensus_mix(consensus_t *c, double *x, int width, int rounds);

/* Communication faults in the mixing rounds ([faults] in the config). Each
 * is a pure function of (seed, gids, global round index r), so it is the
 * same on any number of ranks and needs no state between calls:
 *  - the message from j to neighbour i in round r is lost with probability
 *    link_drop (Philox block of (seed, RNG_STREAM_FAULT_LINK, gid j | gid i
 *    << 32, r), words 0-1);
 *  - agent i is silent, sending and receiving nothing and keeping its value,
 *    in every round of window w = r / dropout_rounds with probability
 *    agent_dropout ((seed, RNG_STREAM_FAULT_DROPOUT, gid i, w), words 0-1);
 *  - a received message carries the sender's value of the round before with
 *    probability stale (words 2-3 of the link block); the first round of a
 *    call has no round before and uses the current value.
 * The receiver averages over what arrived, weights renormalised:
 *    x_i <- x_i + sum_{j received} W_ij (m_j - x_i) / (W_ii + sum_{j received} W_ij),
 * which is (W_ii x_i + sum W_ij m_j) / (W_ii + sum W_ij) written so that a
 * row receiving nothing, or a constant vector, keeps its exact bits. Rows
 * stay stochastic, columns do not: faults move the network mean. */
/* Misbehaving agents (faults.byzantine): agent i misbehaves for the whole
 * run with probability byzantine ((seed, RNG_STREAM_FAULT_BYZANTINE, gid i,
 * 0), words 0-1) and sends, in place of its value, byzantine_value
 * (constant), minus its value (sign-flip) or its value plus byzantine_value
 * z, z ~ N(0, 1) keyed by (seed, gid i, round x 256 + column) (noise).
 * The receiver's defence (consensus.aggregate): mean as above; trimmed:F
 * (W-MSR), dropping of the received values the F largest above its own and
 * the F smallest below it, then the weighted average of its own and the
 * rest, renormalised as above; median, the median of its own and the
 * received values (the mean of the middle two of an even count); mtm:Q,
 * the modified trimmed mean (Lee and Kassam 1985, with a MAD scale): with
 * med the median of its own and the received values and mad the median of
 * their distances |v - med|, the received values farther than Q mad from
 * med dropped, then the weighted average of its own and the rest,
 * renormalised as above. */
enum { CONSENSUS_AGG_MEAN, CONSENSUS_AGG_TRIMMED, CONSENSUS_AGG_MEDIAN, CONSENSUS_AGG_MTM };
enum { BYZANTINE_CONSTANT, BYZANTINE_SIGN_FLIP, BYZANTINE_NOISE };
/* What a lost message is (faults.link_mode): one direction of one link,
 * the receiver renormalising (message); or a link's exchange, failing both
 * ways with one draw keyed by (seed, lower gid | higher gid << 32, round),
 * the failed weight kept on each end's own value,
 *    x_i <- x_i + sum_{j linked} W_ij (m_j - x_i)  (no renormalisation),
 * so that the sum over agents is kept under lost links and silent agents
 * (link). Late messages and lies break the symmetry either way. */
enum { CONSENSUS_LINK_MESSAGE, CONSENSUS_LINK_EDGE };
typedef struct consensus_faults {
    uint64_t seed;
    double link_drop, agent_dropout, stale;
    int64_t dropout_rounds;
    double byzantine, byzantine_value;
    int byzantine_mode;
    int aggregate, trim;     /* CONSENSUS_AGG_*, F of trimmed:F */
    double mtm_q;            /* Q of mtm:Q */
    int link_mode;           /* CONSENSUS_LINK_* */
    const int64_t *byz_gids; /* [n_byz_gids] ascending: these agents misbehave too */
    int n_byz_gids;
    /* A wide vector mixed in slices of at most 256 columns: the first
     * column of this slice (a multiple of 256), so that a liar's noise is
     * drawn per column of the whole vector; 0 otherwise. */
    int64_t col0;
} consensus_faults_t;

/* The faults of cfg ([faults], keyed by run.seed). */
void consensus_faults_from_config(const config_t *cfg, consensus_faults_t *f);
/* Collective. Into an output file (run.h5, consensus.h5): the attribute
 * faults_link_mode unless it is message, and with lying agents
 * /graph/byzantine (1 for each liar, at its gid) and the attributes
 * faults_byzantine, faults_byzantine_mode, faults_byzantine_value,
 * faults_byzantine_agents and consensus_aggregate; nothing otherwise, so
 * that files without them keep their layout. */
struct h5file;
struct blockmap;
void consensus_faults_write(struct h5file *f, struct blockmap *bm, const config_t *cfg,
                            const lgraph_t *lg);
/* SAMARL_ERR, naming the key, when f names a misbehaving agent
 * (faults.byzantine_agents) that a graph of n_global agents does not have
 * (generated graphs are checked with the configuration; a file's size is
 * known only once read). The same verdict on every rank. */
int consensus_faults_check(const consensus_faults_t *f, gidx_t n_global);
/* 1 if f (may be NULL) injects any fault or asks for a robust aggregate. */
int consensus_faults_active(const consensus_faults_t *f);

/* Whether agent gid misbehaves under f: drawn (f->byzantine) or named
 * (f->byz_gids). */
int consensus_byzantine(const consensus_faults_t *f, gidx_t gid);

/* Collective. `rounds` rounds of x <- W x under faults f, the first being
 * global round round0 (callers number rounds across calls, e.g. epoch x K).
 * Every message is still exchanged; faults act at the receiver. Without
 * active faults this is consensus_mix, bit for bit. */
void consensus_mix_faulty(consensus_t *c, double *x, int width, int rounds, int64_t round0,
                          const consensus_faults_t *f);

/* Collective. `rounds` rounds of push-sum (ratio) consensus with running
 * sums (Hadjicostis, Dominguez-Garcia and Vaidya, IEEE TAC 2016), the first
 * being global round round0, on the masses v[n_owned][width]: agent i
 * keeps v_i / (1 + d_i) and adds as much to its running sum sent_i (the
 * total it has ever put on each of its d_i links); a receiver adds, for
 * each message that arrives, sent_j - got_e and sets got_e = sent_j (got:
 * one row per edge of the local CSR, the last running sum received on it).
 * A lost message is made up by the next that arrives, so
 *    sum_i v_i + sum_e (sent_j(e) - got_e)
 * (held plus in flight) never changes: lost and late messages delay mass,
 * they do not destroy it; the ratio of two masses (value over weight) goes
 * to the ratio of their network sums. Faults as in consensus_mix_faulty
 * (lost, late, silent: a silent agent neither sends nor receives, and
 * keeps its mass and running sums for its window); no lies
 * and no robust rule (a lie in a running sum would be a lasting error).
 * sent has ghost rows (scratch, filled by the halo). The same bits on any
 * number of ranks. */
void consensus_pushsum(consensus_t *c, double *v, double *sent, double *got, int width, int rounds,
                       int64_t round0, const consensus_faults_t *f);

/* Collective. Dynamic average consensus (gradient tracking):
 * z <- W^K z + (r_new - r_old). Tracks the network average of a changing
 * signal r: sum(z) = sum(r) is kept exactly up to rounding. */
void consensus_track(consensus_t *c, double *z, const double *r_new, const double *r_old, int width,
                     int rounds);

/* y = W x on owned rows; x's ghosts must be current. No communication. */
void consensus_apply_local(const consensus_t *c, const double *x, double *y);

/* Collective. Node weights nu_i > 0 ([n_owned]; copied): the mixing matrix
 * becomes W_ij = W0_ij min(nu_i, nu_j) / nu_i on edges, W_ii = 1 - sum_j W_ij,
 * where W0 is the matrix of `weights`. Rows still sum to one (constants are
 * kept), nu' W = nu' (the weighted sum sum_i nu_i x_i is kept instead of the
 * plain sum), and W is self-adjoint in <x, y> = sum_i nu_i x_i y_i, so
 * averaging converges to the nu-weighted mean at rate sigma, now taken in
 * that inner product (J = 1 nu' / sum nu). consensus_mean, _disagreement and
 * _sigma then use nu. W0's self weights are at least 1/(1 + d_i), and the
 * new ones are no smaller, so W stays nonnegative. Uniform nu gives W0. */
void consensus_weight_nodes(consensus_t *c, const double *nu);

/* Collective, reproducible (same bits on any rank count), width-1 vectors.
 * The mean: sum nu_i x_i / sum nu_i (nu = 1 without node weights). */
double consensus_mean(const consensus_t *c, const double *x);
/* sqrt(sum nu_i (x_i - mean)^2 / sum nu_i); *mean gets the mean if not NULL. */
double consensus_disagreement(const consensus_t *c, const double *x, double *mean);

/* Collective. sigma = max |eigenvalue| of W - J, by Lanczos from a random
 * start keyed by (seed, gid): the extreme Ritz values of the tridiagonal
 * it builds approach W - J's extreme eigenvalues from inside, in about
 * 1/sqrt(gap) steps of one product each (the power iteration needs 1/gap).
 * Stops when the Ritz residual ||(W - J) y - sigma y|| of the unit Ritz
 * vector y falls below tol * sigma (consensus_sigma_converged), or after
 * max_iter steps. *iters and *residual report how far it got; the estimate
 * approaches sigma from below, and there is an eigenvalue within *residual
 * of it (as with any Krylov method, not necessarily the extreme one when the
 * random start holds almost none of its eigenvector). Same bits on any
 * number of ranks. `progress`, if not NULL, is called on every rank about
 * every 64 steps. */
typedef void (*sigma_progress_fn)(int64_t iter, int64_t max_iter, double sigma, double residual,
                                  void *ctx);
double consensus_sigma(consensus_t *c, uint64_t seed, int64_t max_iter, double tol, int64_t *iters,
                       double *residual, sigma_progress_fn progress, void *ctx);
/* Whether consensus_sigma's estimate met tol: residual <= tol * sigma, or at
 * rounding level (W's spectrum lies in [-1, 1]; sigma = 0 when W = J). */
int consensus_sigma_converged(double sigma, double residual, double tol);

/* The weights (for tests and reports): self weight per owned row, and the
 * weight of entry e of the local adjacency (lg->col order). */
const double *consensus_self_weights(const consensus_t *c);
double consensus_edge_weight(const consensus_t *c, int64_t e);

void consensus_destroy(consensus_t **c);

#endif
