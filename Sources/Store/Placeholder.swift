import GRDB
import Tenancy
