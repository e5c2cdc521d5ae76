/* Build information (the generated build_info.h comes from the Makefile). */
#include "samarl/version.h"

#include "build_info.h"

const char *samarl_git_sha(void)
{
    return SAMARL_GIT_SHA;
}

const char *samarl_build_cc(void)
{
    return SAMARL_BUILD_CC;
}

const char *samarl_build_cflags(void)
{
    return SAMARL_BUILD_CFLAGS;
}
