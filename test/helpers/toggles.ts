// pattern:cache,read-replicas,queue,rate-limit,shedding:begin
/**
 * A toggle this tree has, for the suites that test the toggle mechanism (any toggle serves): the
 * first line a template user's pattern removals leave, each going with its pattern. With no
 * toggle-bearing pattern left this file goes too, and so do the suites' uses of it.
 */
export const ANY_TOGGLE = [
  'CACHE_L1', // pattern:cache
  'READ_REPLICAS', // pattern:read-replicas
  'QUEUE', // pattern:queue
  'RATE_LIMIT', // pattern:rate-limit
  'LOAD_SHEDDING', // pattern:shedding
][0];
// pattern:cache,read-replicas,queue,rate-limit,shedding:end
