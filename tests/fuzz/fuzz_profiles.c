/* libFuzzer harness for the env.profiles reader (env_load_profiles, over
 * table_load without an id column): whatever it accepts is whole days of
 * finite prices >= 0 and, per building, a finite load shape >= 0 of mean 1. */
#include "fuzz_table.h"
#include "samarl/env.h"
#include "samarl/env_dr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "csv");
    nodes_t *t = NULL;
    samarl_clearerr();
    if (table_load(path, "profiles", 0, 0, &t) != SAMARL_OK) {
        FUZZ_CHECK(t == NULL && samarl_errmsg()[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(!fuzz_has_nul(data, size));
    fuzz_check_table(t);

    dr_env_t e;
    memset(&e, 0, sizeof e);
    if (env_load_profiles(path, &e) == SAMARL_OK) {
        FUZZ_CHECK(e.n_hours == t->n && e.n_hours >= 24 && e.n_hours % 24 == 0);
        FUZZ_CHECK(e.n_columns >= 1 && e.shape && e.price);
        const double *price = nodes_column(t, "price");
        FUZZ_CHECK(price != NULL);
        for (int h = 0; h < e.n_hours; h++)
            FUZZ_CHECK(isfinite(e.price[h]) && e.price[h] >= 0 && e.price[h] == (float)price[h]);
        for (int c = 0; c < e.n_columns; c++) {
            double sum = 0;
            for (int h = 0; h < e.n_hours; h++) {
                float s = e.shape[(size_t)c * e.n_hours + h];
                FUZZ_CHECK(isfinite(s) && s >= 0);
                sum += s;
            }
            /* float rounding of each hour: far below 1e-3 */
            FUZZ_CHECK(fabs(sum / e.n_hours - 1.0) < 1e-3);
        }
    } else {
        FUZZ_CHECK(samarl_errmsg()[0] != '\0');
    }
    free(e.shape);
    free(e.price);
    nodes_destroy(&t);
    return 0;
}
