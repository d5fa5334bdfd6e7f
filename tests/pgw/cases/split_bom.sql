select 1 as bom;
﻿select 2;
