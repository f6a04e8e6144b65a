"""PSS per idle keep-alive connection, several alternating trials per binary (bench/run.sh takes one
sample per server; on this machine a trial lands on one of two values a page apart, so one sample
can be 4 KiB off). Each trial: start BINARY --port 0 --quiet, wait, sum Pss and Pss_Anon of the
parent and its children (/proc/PID/smaps_rollup), open 100 connections that each complete one
GET /, sum again; (held - idle) / 100.

    python3 bench/tools/pss_per_conn.py ROUNDS BINARY...
"""
import socket, subprocess, time, os, re, sys, statistics
def procs(root):
    out=[root]
    for p in os.listdir('/proc'):
        if p.isdigit():
            try:
                st=open(f'/proc/{p}/stat').read()
                ppid=int(st.rsplit(')',1)[1].split()[1])
                if ppid==root: out.append(int(p))
            except Exception: pass
    return out
def pss(root):
    tot=0; anon=0
    for p in procs(root):
        try:
            for l in open(f'/proc/{p}/smaps_rollup'):
                if l.startswith('Pss:'): tot+=int(l.split()[1])
                if l.startswith('Pss_Anon:'): anon+=int(l.split()[1])
        except Exception: pass
    return tot, anon
def trial(binary):
    p=subprocess.Popen([binary,'--port','0','--bind','127.0.0.1','--quiet'],stderr=subprocess.PIPE)
    line=p.stderr.readline().decode()
    port=int(re.search(r':(\d+),',line).group(1))
    time.sleep(1.0)
    idle=pss(p.pid)
    conns=[]
    for i in range(100):
        s=socket.create_connection(('127.0.0.1',port))
        s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        data=b''
        while b'</html>' not in data:
            d=s.recv(65536)
            if not d: break
            data+=d
        conns.append(s)
    time.sleep(1.0)
    held=pss(p.pid)
    for s in conns: s.close()
    p.terminate(); p.wait()
    return (held[0]-idle[0])/100, (held[1]-idle[1])/100
res={b:[] for b in sys.argv[2:]}
for r in range(int(sys.argv[1])):
    for b in sys.argv[2:]:
        res[b].append(trial(b))
for b,v in res.items():
    print(b, 'PSS/conn median %.1f KiB, mean %.1f, min %.1f;' % (statistics.median(x[0] for x in v), statistics.mean(x[0] for x in v), min(x[0] for x in v)), 'anon median %.1f;' % statistics.median(x[1] for x in v), 'trials', [round(x[0],1) for x in v])
