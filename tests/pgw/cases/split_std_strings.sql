set standard_conforming_strings = off;
select 'a\'b;c' as escaped;
reset standard_conforming_strings;
select 'a\' as plain;
