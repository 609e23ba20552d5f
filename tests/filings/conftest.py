# The step data of the R11 filing of the tests and the deposits now live with the factories and the root
# conftest; these names stay importable from here.
from tests.conftest import deposits, private_storage  # noqa: F401
from tests.factories import MAIN_FUNCTIONS, NAME, STEP_DATA, VERSION, short_page_deposit  # noqa: F401
