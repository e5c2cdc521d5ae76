/* samarl list: what the registries hold, one line each, so that a user can
 * see which env.name and train.algo values this build offers. */
#include <stdio.h>

#include "commands.h"
#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/dual.h"
#include "samarl/env.h"
#include "samarl/trainer.h"

const char *const list_help =
    "usage: samarl list\n"
    "\n"
    "Prints every registered environment (env.name), trainer (train.algo) and\n"
    "dual rule (dual.mode), one per line:\n"
    "  env NAME — one-line description\n"
    "  trainer NAME — one-line description\n"
    "  dual NAME — one-line description\n"
    "A new environment, trainer or dual rule is one file (or function) and one\n"
    "registry line (docs/architecture.md); it shows up here.\n"
    "\n"
    "examples:\n"
    "  samarl list\n"
    "  samarl list | grep '^trainer'\n";

int cmd_list(int argc, char **argv)
{
    cli_opts_t o;
    cli_parse(argc, argv, 2, "samarl list", 0, &o);
    if (o.help) {
        if (comm_rank() == 0) fputs(list_help, stdout);
        comm_exit(0);
    }
    if (comm_rank() == 0) {
        const env_ops_t *e;
        for (int k = 0; (e = env_registered(k)); k++) printf("env %s — %s\n", e->name, e->summary);
        for (int k = 0; k < trainer_count(); k++)
            printf("trainer %s — %s\n", trainer_at(k)->name, trainer_at(k)->summary);
        const dual_rule_t *d;
        for (int k = 0; (d = dual_rule_at(k)); k++) printf("dual %s — %s\n", d->name, d->summary);
    }
    cli_opts_free(&o);
    return 0;
}
