/* Version and build information recorded in every output file. */
#ifndef SAMARL_VERSION_H
#define SAMARL_VERSION_H

#define SAMARL_VERSION "0.1.0"

/* Commit the binary was built from ("abc123def456" or "...-dirty"). */
const char *samarl_git_sha(void);
/* Compiler and flags. */
const char *samarl_build_cc(void);
const char *samarl_build_cflags(void);

/* File format versions: bump when a reader would need to change. */
#define SAMARL_PARTITION_FORMAT_VERSION 1
#define SAMARL_CONSENSUS_FORMAT_VERSION 1

#endif
