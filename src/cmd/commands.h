/* The subcommands of the samarl program (private to the binary). */
#ifndef SAMARL_COMMANDS_H
#define SAMARL_COMMANDS_H

int cmd_consensus(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_list(int argc, char **argv);

extern const char *const consensus_help;
extern const char *const config_help;
extern const char *const info_help;
extern const char *const train_help;
extern const char *const run_help;
extern const char *const eval_help;
extern const char *const list_help;

#endif
